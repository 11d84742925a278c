using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A client on a slow line, over a raw socket: sends one GET, reads the answer at about <c>bytesPerSecond</c> through a
/// small receive buffer (so the server's writes block as they would for a real slow reader), and either reads to the end
/// or hangs up (a reset, as a killed <c>curl</c> does) after <c>hangUpAfter</c>.
/// </summary>
public static class SlowClient
{
    /// <summary>What the client saw: the status line, how many bytes, and whether the body ended as HTTP says it must.</summary>
    public sealed record Outcome(string StatusLine, long Bytes, bool CompleteBody, bool HungUp, TimeSpan Elapsed);

    public static async Task<Outcome> GetAsync(Uri root, string target, int bytesPerSecond, TimeSpan? hangUpAfter, TimeSpan giveUpAfter)
    {
        var watch = Stopwatch.StartNew();
        using var client = new TcpClient { ReceiveBufferSize = 4096, NoDelay = true };
        await client.ConnectAsync("127.0.0.1", root.Port);
        var stream = client.GetStream();
        var request = $"GET {target.Replace(" ", "%20", StringComparison.Ordinal)} HTTP/1.1\r\nHost: {root.Host}:{root.Port}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));

        var chunk = Math.Max(64, bytesPerSecond / 10);
        var buffer = new byte[chunk];
        var head = new StringBuilder();
        long bytes = 0;
        var tail = new Queue<byte>();
        while (true)
        {
            if (hangUpAfter is { } limit && watch.Elapsed >= limit)
            {
                // A reset, not a polite close: what a killed process's socket does.
                client.Client.LingerState = new LingerOption(true, 0);
                client.Close();
                return new Outcome(StatusLine(head), bytes, false, true, watch.Elapsed);
            }

            if (watch.Elapsed >= giveUpAfter)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Close();
                return new Outcome(StatusLine(head), bytes, false, false, watch.Elapsed);
            }

            int read;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                continue; // nothing came this second
            }
            catch (IOException)
            {
                // The server reset the connection: the body is incomplete, as the client can tell.
                return new Outcome(StatusLine(head), bytes, false, false, watch.Elapsed);
            }

            if (read == 0)
            {
                // The server closed: complete only if the chunked body ended with its last chunk.
                var ending = Encoding.ASCII.GetString([.. tail]);
                return new Outcome(StatusLine(head), bytes, ending.EndsWith("0\r\n\r\n", StringComparison.Ordinal), false, watch.Elapsed);
            }

            bytes += read;
            if (head.Length < 200)
            {
                head.Append(Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 200)));
            }

            for (var i = 0; i < read; i++)
            {
                tail.Enqueue(buffer[i]);
                if (tail.Count > 16)
                {
                    tail.Dequeue();
                }
            }

            await Task.Delay(100);
        }
    }

    private static string StatusLine(StringBuilder head)
    {
        var text = head.ToString();
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}
