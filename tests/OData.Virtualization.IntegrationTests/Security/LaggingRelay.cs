using System.Net;
using System.Net.Sockets;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// A TCP relay in front of the test PostgreSQL that, while <see cref="Lag"/> is set, holds every chunk from the
/// database for that long before passing it on (requests to the database pass at once). With a lag, the client's
/// own command timeout fires before the database's statement-timeout error arrives: the path Npgsql reports as a
/// timeout (<see cref="TimeoutException"/>), deterministically, instead of a race between the two timers.
/// </summary>
public sealed class LaggingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LaggingRelay(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public TimeSpan Lag { get; set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client, _stop.Token);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using var upstream = new TcpClient();
        using (client)
        {
            try
            {
                await upstream.ConnectAsync(_target, cancellationToken);
                var toDatabase = client.GetStream().CopyToAsync(upstream.GetStream(), cancellationToken);
                var fromDatabase = CopyLaggingAsync(upstream.GetStream(), client.GetStream(), cancellationToken);
                await Task.WhenAny(toDatabase, fromDatabase);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // a side went away
            }
        }
    }

    private async Task CopyLaggingAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var lag = Lag;
            if (lag > TimeSpan.Zero)
            {
                await Task.Delay(lag, cancellationToken);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }
}
