using Microsoft.Extensions.Options;
using OData.Virtualization.Caching;
using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Security;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>How long an entity set's answers are kept, and the cache's view of a request.</summary>
internal sealed class ResponseKeys(IOptionsMonitor<VirtualizationOptions> options)
{
    /// <summary>The set's TTL, else its source's, else the global default; zero turns caching off.</summary>
    public TimeSpan Ttl(PublishedSet set)
    {
        var seconds = set.Settings?.CacheTtlSeconds ?? set.Source.Options.CacheTtlSeconds ?? options.CurrentValue.Cache.DefaultTtlSeconds;
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    /// <summary>
    /// The cache's view of a request: its kind, the service root (links contain it), the format, the caller's scope. The
    /// entity set is part of every key: two sources can hold tables of the same name and shape (two SQLite demo databases
    /// both have "customers"), and the same SQL text would otherwise share one entry. So is the set's shape (its published
    /// columns and types): after a schema refresh that retypes a column the SQL text can stay the same, and an entry
    /// rendered for the old type must not answer (on this instance or another sharing Redis).
    /// </summary>
    public static CacheKey For(AccessScope scope, string kind, PublishedSet set, string serviceRoot, ResponseFormat? format)
    {
        var key = new CacheKey(scope.Id).Add("kind", kind).Add("set", set.Name).Add("shape", SetShape.Of(set)).Add("root", serviceRoot).Add("format", format?.ContentType);
        if (set.Source.WriteGeneration is var writes and > 0)
        {
            // Writes through this server to the source since it started: answers from before them are not reused.
            key.Add("writes", writes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return format?.StandardBase64 == true ? key.Add("binary", "base64") : key;
    }

    /// <summary>Adds the expanded levels' statements (with no parents) to a key: they carry the nested options.</summary>
    public static CacheKey WithExpandShape(CacheKey key, EntityQuery query, DateTimeOffset now)
    {
        foreach (var expand in query.Expands)
        {
            key.Add("expand:" + expand.Navigation.Name, SqlCompiler.Expand(expand, [], now));
            WithExpandShape(key, expand.Query, now);
        }

        return key;
    }
}
