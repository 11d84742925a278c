using System.Net.Sockets;
using System.Text;

namespace OData.Virtualization.IntegrationTests.Errors;

/// <summary>
/// Sends a request target byte for byte, as a careless client would: HttpClient (System.Uri) repairs invalid
/// percent-encoding such as <c>%ZZ</c> before sending, so it cannot test what the server does with it.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyList<(string Name, string Value)> Headers, string Body)
    {
        public IEnumerable<string> Header(string name)
            => Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
    }

    public static async Task<Response> GetAsync(Uri server, string target, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host == "localhost" ? "127.0.0.1" : server.Host, server.Port, cts.Token);
        await using var stream = client.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), cts.Token);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cts.Token);
        return Parse(buffer.ToArray());
    }

    private static Response Parse(byte[] raw)
    {
        var text = Encoding.Latin1.GetString(raw);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, "no complete HTTP response: " + text);
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => (p[0].Trim(), p[1].Trim())).ToList();
        var body = raw.AsSpan(Encoding.Latin1.GetByteCount(text[..(end + 4)])).ToArray();
        if (headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Item2.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Dechunk(body);
        }

        return new Response(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = IndexOf(body, position);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, position, lineEnd - position).Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                break;
            }

            output.Write(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }

        return output.ToArray();
    }

    private static int IndexOf(byte[] data, int start)
    {
        for (var i = start; i < data.Length - 1; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n')
            {
                return i;
            }
        }

        throw new InvalidDataException("bad chunked encoding");
    }
}
