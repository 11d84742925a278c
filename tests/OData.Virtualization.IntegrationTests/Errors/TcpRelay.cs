using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OData.Virtualization.IntegrationTests.Errors;

/// <summary>
/// A TCP relay in front of the test PostgreSQL: stopping it makes the database "go away" for the server while
/// the cluster itself keeps serving the other tests.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentBag<TcpClient> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpRelay(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Closes the listener and every relayed connection: the database is gone.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var connection in _connections)
        {
            try
            {
                // A reset, not a polite close: as when the database host disappears.
                connection.Client?.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // already gone
            }

            connection.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
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

            var upstream = new TcpClient();
            _connections.Add(client);
            _connections.Add(upstream);
            _ = RelayAsync(client, upstream);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient upstream)
    {
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            var a = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
            var b = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // a side went away
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
