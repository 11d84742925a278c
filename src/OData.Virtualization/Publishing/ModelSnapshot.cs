using OData.Virtualization.Model;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;


namespace OData.Virtualization.Publishing;

/// <summary>
/// Everything one published model consists of, swapped as one reference: a request reads it once and keeps it to the
/// end, so a refresh never shows a request half of one model and half of another.
/// </summary>
internal sealed record ModelSnapshot
{
    public required PublishedModel Model { get; init; }

    public required MetadataWriter Metadata { get; init; }

    /// <summary>What clients sync of <see cref="Model"/>: compared after each refresh and written to the lock file.</summary>
    public required ModelDescription Description { get; init; }

    /// <summary>
    /// A hash of everything the model does (its CSDL, the tables and columns behind it, the sources' and sets' settings):
    /// a refresh with the same fingerprint publishes nothing.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>Every configured source, discovered or not (health reports the ones that cannot be reached).</summary>
    public required IReadOnlyList<DataSource> Sources { get; init; }

    /// <summary>Sources that could not be discovered, so none of their objects are published yet.</summary>
    public required IReadOnlySet<string> Unavailable { get; init; }

    /// <summary>The builder's report: one line per published set and per skipped object, column or relationship.</summary>
    public required IReadOnlyList<string> Report { get; init; }

    /// <summary>Serving the embedded demo (no source configured): anonymous access is allowed then.</summary>
    public required bool IsDemo { get; init; }

    /// <summary>1 at start-up, one more at every publication.</summary>
    public required long Generation { get; init; }

    public required DateTimeOffset PublishedAt { get; init; }
}
