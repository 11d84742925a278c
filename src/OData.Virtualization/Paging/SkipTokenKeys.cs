using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Paging;

/// <summary>The signing key of <c>$skiptoken</c>s, from configuration or (with a warning) random per process.</summary>
internal static class SkipTokenKeys
{
    /// <param name="options">The paging settings.</param>
    /// <param name="logger">Where a random key is reported.</param>
    /// <param name="demo">
    /// The demo is served: a random key is reported at Debug only (one instance on someone's machine, whose links need
    /// not outlive it); a configured server warns, as its instances must share the key.
    /// </param>
    public static SkipTokenCodec CreateCodec(PagingOptions options, ILogger logger, bool demo = false)
    {
        if (string.IsNullOrEmpty(options.SkipTokenKey))
        {
            ServerLog.RandomSkipTokenKey(logger, demo ? LogLevel.Debug : LogLevel.Warning);
            return new SkipTokenCodec(RandomNumberGenerator.GetBytes(32));
        }

        // Any string: stretched to a 256-bit HMAC key. Validation requires at least 32 characters.
        return new SkipTokenCodec(SHA256.HashData(Encoding.UTF8.GetBytes(options.SkipTokenKey)));
    }
}
