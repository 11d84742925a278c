using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP relay on a loopback port in front of a PostgreSQL server, for what the database itself cannot be made to do
/// while it keeps serving the other tests:
/// <list type="bullet">
/// <item><see cref="Stop"/> cuts every relayed connection and refuses new ones: the database "goes away".</item>
/// <item>While <see cref="Lag"/> is set, every chunk from the database is held that long before it is passed on
/// (requests to the database pass at once). With a lag, a client's own command timeout fires before the database's
/// statement-timeout error arrives (the path Npgsql reports as a <see cref="TimeoutException"/>), deterministically
/// instead of a race between the two timers; concurrent identical requests meet one running statement.</item>
/// <item>While <see cref="Latency"/> is set, every chunk from the database is passed on that long after it arrived, the
/// chunks of one answer overlapping as on a network: each round trip costs the latency once, however many chunks its
/// answer spans.</item>
/// </list>
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<TcpClient, byte> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpRelay(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Where the relay listens: a connection string's port, in place of the database's.</summary>
    public int Port { get; }

    /// <summary>How long each chunk from the database is held back; zero (the default) passes it on at once.</summary>
    public TimeSpan Lag { get; set; }

    /// <summary>How long after it arrived each chunk from the database is passed on, chunks overlapping; zero: at once.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Closes the listener and every relayed connection: the database is gone.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var connection in _connections.Keys)
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

            _ = RelayAsync(client, new TcpClient(), _stop.Token);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient upstream, CancellationToken cancellationToken)
    {
        _connections[client] = 0;
        _connections[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(_target, cancellationToken);

            // Chunks pass on as they come: Nagle's algorithm would hold a chunk for the ACK of the one before (40 ms).
            client.NoDelay = true;
            upstream.NoDelay = true;
            var toDatabase = client.GetStream().CopyToAsync(upstream.GetStream(), cancellationToken);
            var fromDatabase = CopyLaggingAsync(upstream.GetStream(), client.GetStream(), cancellationToken);
            await Task.WhenAny(toDatabase, fromDatabase);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // a side went away
        }
        finally
        {
            _connections.TryRemove(client, out _);
            _connections.TryRemove(upstream, out _);
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task CopyLaggingAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var chunks = System.Threading.Channels.Channel.CreateUnbounded<(long Due, byte[] Bytes)>();
        var writing = WriteWhenDueAsync(chunks.Reader, to, cancellationToken);
        try
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

                var due = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(Latency.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
                await chunks.Writer.WriteAsync((due, buffer.AsSpan(0, read).ToArray()), cancellationToken);
            }
        }
        finally
        {
            chunks.Writer.TryComplete();
        }

        await writing;
    }

    private static async Task WriteWhenDueAsync(System.Threading.Channels.ChannelReader<(long Due, byte[] Bytes)> chunks, Stream to, CancellationToken cancellationToken)
    {
        await foreach (var (due, bytes) in chunks.ReadAllAsync(cancellationToken))
        {
            var wait = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            await to.WriteAsync(bytes, cancellationToken);
        }
    }
}
