using Microsoft.OData.Edm;
using OData.Virtualization.Configuration;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Model;

/// <summary>
/// One immutable snapshot of what the server publishes: the EDM model the URI parser and
/// <c>$metadata</c> use, and for each entity set the source object and columns behind it.
/// </summary>
internal sealed class PublishedModel
{
    private static long s_instances;

    public PublishedModel(IEdmModel edmModel, IReadOnlyDictionary<string, PublishedSet> sets)
    {
        EdmModel = edmModel;
        Sets = sets;
        Stamp = "m" + Interlocked.Increment(ref s_instances).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Unique to this instance in the process. In-process memo keys carry it (the scope id alone is the same before and
    /// after a schema refresh), so nothing planned on one model is ever served on another.
    /// </summary>
    public string Stamp { get; }

    public IEdmModel EdmModel { get; }

    /// <summary>Entity sets by published name (ordinal: OData names are case-sensitive).</summary>
    public IReadOnlyDictionary<string, PublishedSet> Sets { get; }

    public PublishedSet GetSet(IEdmEntitySetBase set) => Sets[set.Name];
}

/// <summary>A published table or view.</summary>
internal sealed class PublishedSet
{
    private readonly Dictionary<string, PublishedColumn> _byProperty;

    public PublishedSet(string name, DataSource source, DbObject dbObject, IReadOnlyList<PublishedColumn> columns, IReadOnlyList<PublishedColumn> key)
    {
        Name = name;
        Source = source;
        Object = dbObject;
        Columns = columns;
        Key = key;
        _byProperty = columns.ToDictionary(c => c.PropertyName, StringComparer.Ordinal);
    }

    public string Name { get; }

    public DataSource Source { get; }

    public DbObject Object { get; }

    /// <summary>Published columns in the table's column order.</summary>
    public IReadOnlyList<PublishedColumn> Columns { get; }

    public IReadOnlyList<PublishedColumn> Key { get; }

    public List<PublishedNavigation> Navigations { get; } = [];

    /// <summary>
    /// A policy's row filter for the caller (parsed against <see cref="PolicySet"/>), ANDed into every statement
    /// that reads this set: collections, keys, counts, expansions, continuations.
    /// </summary>
    public Microsoft.OData.UriParser.SingleValueNode? RowFilter { get; init; }

    /// <summary>The unrestricted set the row filter refers to (it may use columns the caller cannot see).</summary>
    public PublishedSet? PolicySet { get; init; }

    /// <summary>The operator's settings for this set, if any.</summary>
    public EntitySetOptions? Settings { get; init; }

    /// <summary>Whether the set's changes are tracked (<c>OData:ChangeTracking:Sets</c>): delta links, and <c>Capabilities.ChangeTracking</c>.</summary>
    public bool IsTracked { get; init; }
    /// <summary>
    /// The writes the caller may make to this set: in a caller's projection, what its policies grant of what the
    /// operator opened (<see cref="WriteGrants"/>); always none in the published model itself, which is what every
    /// caller reads when no policy is configured.
    /// </summary>
    public WriteOperations Writes { get; init; }

    public EdmEntityType EdmType { get; set; } = null!;

    public EdmEntitySet EdmSet { get; set; } = null!;

    public PublishedColumn GetColumn(IEdmProperty property) => _byProperty[property.Name];

    public PublishedColumn? FindColumn(string propertyName) => _byProperty.GetValueOrDefault(propertyName);

    public PublishedNavigation GetNavigation(IEdmNavigationProperty property)
        => Navigations.First(n => ReferenceEquals(n.EdmProperty, property) || n.Name == property.Name);
}

/// <summary>A published column.</summary>
internal sealed record PublishedColumn(string PropertyName, string ColumnName, ColumnType Type, bool IsNullable)
{
    /// <summary>Shown masked to the caller: all but the last <c>Mask</c> characters replaced by <c>*</c>.</summary>
    public int? Mask { get; init; }

    /// <summary>Computed by the request (<c>$compute</c>), not the set's: a dynamic property, written with its type.</summary>
    public bool IsComputed { get; init; }

    /// <summary>Who gives the column its value on a write: the writer, the database's default, or only the database.</summary>
    public ColumnGeneration Generation { get; init; }

    public IEdmStructuralProperty EdmProperty { get; set; } = null!;

    /// <summary>The name it was encoded from, and the encoding (a copy <c>with</c> another name encodes its own).</summary>
    private Tuple<string, System.Text.Json.JsonEncodedText>? _jsonName;

    /// <summary>
    /// The property's name escaped for JSON once, as the response writers escape (relaxed): writing a row's names as
    /// strings escaped and transcoded each of them again for every row.
    /// </summary>
    public System.Text.Json.JsonEncodedText JsonName
    {
        get
        {
            var cached = Volatile.Read(ref _jsonName);
            if (cached is null || !ReferenceEquals(cached.Item1, PropertyName))
            {
                cached = Tuple.Create(PropertyName, System.Text.Json.JsonEncodedText.Encode(PropertyName, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping));
                Volatile.Write(ref _jsonName, cached);
            }

            return cached.Item2;
        }
    }
}

/// <summary>A navigation property: a foreign key seen from one side.</summary>
internal sealed class PublishedNavigation
{
    public required string Name { get; init; }

    public required PublishedSet Target { get; init; }

    /// <summary>Pairs of (column on this side, column on the target side) that join the two.</summary>
    public required IReadOnlyList<(PublishedColumn Local, PublishedColumn Remote)> Join { get; init; }

    public required bool IsCollection { get; init; }

    public IEdmNavigationProperty EdmProperty { get; set; } = null!;
}
