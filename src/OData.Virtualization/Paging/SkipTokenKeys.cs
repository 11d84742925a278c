using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Paging;

/// <summary>The signing key of <c>$skiptoken</c>s, from configuration or (with a warning) random per process.</summary>
internal static class SkipTokenKeys
{
    public static SkipTokenCodec CreateCodec(PagingOptions options, ILogger logger)
    {
        if (string.IsNullOrEmpty(options.SkipTokenKey))
        {
            ServerLog.RandomSkipTokenKey(logger);
            return new SkipTokenCodec(RandomNumberGenerator.GetBytes(32));
        }

        // Any string: stretched to a 256-bit HMAC key. Validation requires at least 32 characters.
        return new SkipTokenCodec(SHA256.HashData(Encoding.UTF8.GetBytes(options.SkipTokenKey)));
    }
}
