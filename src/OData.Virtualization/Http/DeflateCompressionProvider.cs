using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace OData.Virtualization.Http;

/// <summary>
/// <c>Content-Encoding: deflate</c> (the zlib format, as HTTP defines it), for clients that offer deflate but not gzip.
/// Power Query sends <c>Accept-Encoding: gzip, deflate</c>; ASP.NET Core brings gzip and Brotli only.
/// </summary>
public sealed class DeflateCompressionProvider : ICompressionProvider
{
    public string EncodingName => "deflate";

    public bool SupportsFlush => true;

    public Stream CreateStream(Stream outputStream) => new ZLibStream(outputStream, CompressionLevel.Fastest, leaveOpen: true);
}
