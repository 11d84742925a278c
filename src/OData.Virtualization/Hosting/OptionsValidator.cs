using Microsoft.Extensions.Options;
using OData.Virtualization.Caching;
using OData.Virtualization.Configuration;
using OData.Virtualization.Http;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

using OData.Virtualization.Security;

namespace OData.Virtualization.Hosting;

/// <summary>
/// Checks the configuration at start-up and reports every problem at once, each with how to fix it.
/// </summary>
internal sealed class OptionsValidator : IValidateOptions<VirtualizationOptions>
{
    public ValidateOptionsResult Validate(string? name, VirtualizationOptions options)
    {
        // Each source's own settings are checked by ModelHost at start-up (SourceOptionsValidator), together with what
        // discovery finds in the databases, so that one failed start reports every problem at once.
        var errors = new List<string>();
        var limits = options.Limits;
        if (limits.MaxUrlLength < 1024)
        {
            errors.Add($"OData:Limits:MaxUrlLength is {limits.MaxUrlLength}. Use at least 1024.");
        }

        if (limits.MaxExpandDepth is < 1 or > 10)
        {
            errors.Add($"OData:Limits:MaxExpandDepth is {limits.MaxExpandDepth}. Use 1 to 10.");
        }

        if (limits.MaxSearchTermLength < 0 || limits.MaxSearchTerms < 0)
        {
            errors.Add($"OData:Limits:MaxSearchTermLength and MaxSearchTerms must be 0 (no limit) or more; they are {limits.MaxSearchTermLength} and {limits.MaxSearchTerms}.");
        }

        if (limits.MaxBatchParts < 1 || limits.MaxBatchBytes < 1024)
        {
            errors.Add($"OData:Limits:MaxBatchParts is {limits.MaxBatchParts} and MaxBatchBytes {limits.MaxBatchBytes}. Use at least 1 part and 1024 bytes.");
        }

        if (limits.MaxFilterNodes < 10)
        {
            errors.Add($"OData:Limits:MaxFilterNodes is {limits.MaxFilterNodes}. Use at least 10.");
        }

        var binary = options.Compatibility.BinaryEncoding;
        if (!string.Equals(binary, CompatibilityOptions.Base64Url, StringComparison.OrdinalIgnoreCase) && !options.Compatibility.StandardBase64)
        {
            errors.Add($"OData:Compatibility:BinaryEncoding is '{binary}'. Use Base64Url (the default, as the OData standard writes binary values) or Base64 (standard base64 with padding, for Microsoft.OData.Core 8.x clients).");
        }

        var signIns = options.Security.SignInLimits;
        foreach (var (setting, value, zero) in new[]
        {
            ("FailuresPerAddress", signIns.FailuresPerAddress, "0 for no limit per address"),
            ("FailuresPerUser", signIns.FailuresPerUser, "0 for no limit per user name"),
            ("ConcurrentPasswordChecks", signIns.ConcurrentPasswordChecks, "0 for half the processors"),
            ("QueuedPasswordChecks", signIns.QueuedPasswordChecks, "0 to refuse a sign-in whenever every check is running"),
        }.Where(s => s.Item2 < 0))
        {
            errors.Add($"OData:Security:SignInLimits:{setting} is {value}. Use a positive number, or {zero}.");
        }

        if (signIns.WindowSeconds < 1)
        {
            errors.Add($"OData:Security:SignInLimits:WindowSeconds is {signIns.WindowSeconds}. Use a positive number of seconds (default: 300).");
        }

        var cache = options.Cache;
        if (cache.StaleAnswerAfterMilliseconds < 0)
        {
            errors.Add($"OData:Cache:StaleAnswerAfterMilliseconds is {cache.StaleAnswerAfterMilliseconds}. Use a positive number of milliseconds, or 0 to wait for every refresh (default: 1000).");
        }

        if (!string.IsNullOrWhiteSpace(cache.Redis))
        {
            if (cache.EncryptionKeys.Count == 0)
            {
                errors.Add("OData:Cache:Redis is set but OData:Cache:EncryptionKeys is empty: entries in Redis hold customers' rows and are always encrypted. Add a key such as 'k1:' followed by the output of 'openssl rand -base64 32'.");
            }

            foreach (var key in cache.EncryptionKeys)
            {
                try
                {
                    EncryptingSerializer.Parse(key);
                }
                catch (FormatException ex)
                {
                    errors.Add("OData:Cache:EncryptionKeys: " + ex.Message);
                }
            }
        }

        var paging = options.Paging;
        if (paging.MaxPageSize < 0)
        {
            errors.Add($"OData:Paging:MaxPageSize is {paging.MaxPageSize}. Use a positive number of rows, or 0 to turn server paging off.");
        }

        if (paging.DefaultPageSize < 1)
        {
            errors.Add($"OData:Paging:DefaultPageSize is {paging.DefaultPageSize}. Use a positive number of rows.");
        }

        if (paging.SkipTokenKey is { Length: > 0 and < 32 })
        {
            errors.Add("OData:Paging:SkipTokenKey is shorter than 32 characters. Use a long random secret (for example the output of 'openssl rand -base64 48').");
        }

        // Checked here, so that a typo stops the start with a message instead of a stack trace from the middleware.
        foreach (var proxy in options.Transport.KnownProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
        {
            errors.Add($"OData:Transport:KnownProxies has '{proxy}', which is not an IP address. Use addresses such as 10.0.0.5 or ::1, or KnownNetworks for a range.");
        }

        foreach (var network in options.Transport.KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            errors.Add($"OData:Transport:KnownNetworks has '{network}', which is not a network in CIDR form. Use for example 10.244.0.0/16.");
        }

        if (options.Security.Jwt is { } jwt)
        {
            errors.AddRange(SigningKeys.Problems(jwt));
        }

        if (!string.IsNullOrWhiteSpace(options.Transport.PublicBaseUrl) && RequestTarget.PublicBase(options.Transport.PublicBaseUrl) is null)
        {
            errors.Add($"OData:Transport:PublicBaseUrl is '{options.Transport.PublicBaseUrl}'. Use the absolute http or https URL clients reach this server at, with any path your proxy adds, and no query, fragment or credentials: for example https://odata.example.com or https://gateway.example.com/erp.");
        }

        var salesforce = options.Salesforce;
        if (salesforce.MaxPageSize is < 1 or > 2_000)
        {
            errors.Add($"OData:Salesforce:MaxPageSize is {salesforce.MaxPageSize}. Use 1 to 2000: Salesforce Connect rejects pages of more than 2,000 rows.");
        }

        var prefix = salesforce.RoutePrefix.Trim('/');
        if (prefix.Length > 0 && (prefix.Equals("odata", StringComparison.OrdinalIgnoreCase) || prefix.StartsWith("odata/", StringComparison.OrdinalIgnoreCase) || prefix.StartsWith("health", StringComparison.OrdinalIgnoreCase) || prefix.StartsWith("status", StringComparison.OrdinalIgnoreCase)
            || prefix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/'))))
        {
            errors.Add($"OData:Salesforce:RoutePrefix is '{salesforce.RoutePrefix}'. Use a path of letters, digits, '-' and '_' outside /odata, /health and /status (default: salesforce), or an empty value to turn the Salesforce profile off.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
