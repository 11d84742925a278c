using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Vocabularies;
using Microsoft.OData.Edm.Vocabularies.V1;

namespace OData.Virtualization.Model;

/// <summary>
/// The <c>Org.OData.Capabilities.V1</c> annotations every published model carries in <c>$metadata</c>, so that a
/// generic client (UI5, the SAP Cloud SDK, Power Query's OData connector, the OpenAPI converter) can tell what it may
/// ask before asking: each set is countable, filterable, sortable (but not by a collection-valued property), searchable,
/// expandable where it has navigation properties, reachable one navigation step from an entity, indexable by key, and
/// writable only as the reader's policies grant (<see cref="PublishedSet.Writes"/>); the container states Intermediate conformance, the canonical functions <c>$filter</c> understands, and
/// that <c>$batch</c> (of reads, multipart and JSON, with <c>continue-on-error</c> and <c>dependsOn</c>) is supported and
/// that there is no asynchronous request or cross join. What is claimed here is what the endpoint does,
/// and <c>CapabilitiesTests</c> checks the claims against it.
/// </summary>
internal static class CapabilityAnnotations
{
    public const string Namespace = "Org.OData.Capabilities.V1";

    /// <summary>The published vocabulary this model refers to (the OASIS TC's canonical location).</summary>
    public static readonly Uri Vocabulary = new("https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml");

    /// <summary>The canonical functions of <c>$filter</c> (FilterTranslator): the others answer 501.</summary>
    public static readonly string[] FilterFunctions =
    [
        "contains", "startswith", "endswith", "tolower", "toupper", "length", "trim", "indexof", "substring", "concat",
        "year", "month", "day", "hour", "minute", "second", "date", "time", "now",
    ];

    /// <summary>Annotates <paramref name="model"/>'s container and each of <paramref name="sets"/> (already in the model).</summary>
    public static void Annotate(EdmModel model, IEnumerable<PublishedSet> sets)
    {
        Vocabularies.Refer(model, Vocabulary, Namespace, "Capabilities");
        var container = (EdmEntityContainer)model.EntityContainer;
        Add(model, container, "ConformanceLevel", new EdmEnumMemberExpression(Member("ConformanceLevelType", "Intermediate")));
        Add(model, container, "BatchSupported", new EdmBooleanConstant(true));
        Add(model, container, "BatchSupport", Record(
            ("Supported", new EdmBooleanConstant(true)),
            ("ContinueOnErrorSupported", new EdmBooleanConstant(true)),
            ("ReferencesInRequestBodiesSupported", new EdmBooleanConstant(false)),
            ("ReferencesAcrossChangeSetsSupported", new EdmBooleanConstant(false)),
            ("EtagReferencesSupported", new EdmBooleanConstant(true)), // If-Match: $1 (Http/BatchRun.ChangeSets.cs)
            ("RequestDependencyConditionsSupported", new EdmBooleanConstant(true)),
            ("SupportedFormats", new EdmCollectionExpression(new EdmStringConstant("multipart/mixed"), new EdmStringConstant("application/json")))));
        Add(model, container, "AsynchronousRequestsSupported", new EdmBooleanConstant(false));
        Add(model, container, "CrossJoinSupported", new EdmBooleanConstant(false));
        Add(model, container, "KeyAsSegmentSupported", new EdmBooleanConstant(false));
        Add(model, container, "FilterFunctions", new EdmCollectionExpression(FilterFunctions.Select(f => (IEdmExpression)new EdmStringConstant(f))));
        Add(model, container, "SupportedFormats", new EdmCollectionExpression(
            new EdmStringConstant("application/json;odata.metadata=minimal;IEEE754Compatible=true"),
            new EdmStringConstant("application/json;odata.metadata=minimal;IEEE754Compatible=false"),
            new EdmStringConstant("application/json;odata.metadata=full"),
            new EdmStringConstant("application/json;odata.metadata=none")));

        foreach (var set in sets)
        {
            var target = set.EdmSet;
            Add(model, target, "IndexableByKey", new EdmBooleanConstant(true));
            Add(model, target, "TopSupported", new EdmBooleanConstant(true));
            Add(model, target, "SkipSupported", new EdmBooleanConstant(true));
            Add(model, target, "CountRestrictions", Record(("Countable", new EdmBooleanConstant(true))));
            Add(model, target, "SelectSupport", Record(("Supported", new EdmBooleanConstant(true))));
            Add(model, target, "FilterRestrictions", Record(("Filterable", new EdmBooleanConstant(true))));
            Add(model, target, "SearchRestrictions", Record(("Searchable", new EdmBooleanConstant(true))));
            var unsortable = set.Columns.Where(c => c.Type.IsCollection).Select(c => (IEdmExpression)new EdmPropertyPathExpression(c.PropertyName)).ToList();
            Add(model, target, "SortRestrictions", Record(("Sortable", new EdmBooleanConstant(true)), ("NonSortableProperties", new EdmCollectionExpression(unsortable))));
            var navigable = target.NavigationPropertyBindings.Any();
            Add(model, target, "ExpandRestrictions", Record(("Expandable", new EdmBooleanConstant(navigable))));
            Add(model, target, "NavigationRestrictions", Record(("Navigability", new EdmEnumMemberExpression(Member("NavigationType", navigable ? "Single" : "None")))));
            // The writes this model's reader may make (a caller's projection: what its policies grant of what the
            // operator opened; the published model and every default configuration: none).
            Add(model, target, "InsertRestrictions", Record(("Insertable", new EdmBooleanConstant(set.Writes.HasFlag(WriteOperations.Insert)))));
            Add(model, target, "UpdateRestrictions", Record(("Updatable", new EdmBooleanConstant(set.Writes.HasFlag(WriteOperations.Update)))));
            Add(model, target, "DeleteRestrictions", Record(("Deletable", new EdmBooleanConstant(set.Writes.HasFlag(WriteOperations.Delete)))));
        }

        AnnotateChangeTracking(model, sets);
    }

    /// <summary>
    /// <c>Capabilities.ChangeTracking</c> on each tracked set (Salesforce's External Change Data Capture looks for it):
    /// delta links follow <c>$filter</c> on every property and <c>$select</c>; no expanded property is tracked.
    /// </summary>
    /// <param name="model">The model to annotate.</param>
    /// <param name="sets">Its sets; only the tracked ones are annotated.</param>
    /// <param name="refer">Also refer to the vocabulary (a model that has no other Capabilities annotation).</param>
    public static void AnnotateChangeTracking(EdmModel model, IEnumerable<PublishedSet> sets, bool refer = false)
    {
        var tracked = sets.Where(s => s.IsTracked).ToList();
        if (refer && tracked.Count > 0)
        {
            Vocabularies.Refer(model, Vocabulary, Namespace, "Capabilities");
        }

        foreach (var set in tracked)
        {
            var filterable = set.Columns.Where(c => !c.Type.IsCollection).Select(c => (IEdmExpression)new EdmPropertyPathExpression(c.PropertyName));
            Add(model, set.EdmSet, "ChangeTracking", Record(
                ("Supported", new EdmBooleanConstant(true)),
                ("FilterableProperties", new EdmCollectionExpression(filterable)),
                ("ExpandableProperties", new EdmCollectionExpression())));
        }
    }

    private static void Add(EdmModel model, IEdmVocabularyAnnotatable target, string term, IEdmExpression value)
    {
        var annotation = new EdmVocabularyAnnotation(target, Term(term), value);
        annotation.SetSerializationLocation(model, EdmVocabularyAnnotationSerializationLocation.Inline);
        model.SetVocabularyAnnotation(annotation);
    }

    private static EdmRecordExpression Record(params (string Name, IEdmExpression Value)[] properties)
        => new(properties.Select(p => (IEdmPropertyConstructor)new EdmPropertyConstructor(p.Name, p.Value)));

    private static IEdmTerm Term(string name)
        => CapabilitiesVocabularyModel.Instance.FindDeclaredTerm(Namespace + "." + name)
           ?? throw new InvalidOperationException($"The Capabilities vocabulary of Microsoft.OData.Edm has no term '{name}'.");

    private static IEdmEnumMember Member(string type, string name)
        => (CapabilitiesVocabularyModel.Instance.FindDeclaredType(Namespace + "." + type) as IEdmEnumType)?.Members.FirstOrDefault(m => m.Name == name)
           ?? throw new InvalidOperationException($"The Capabilities vocabulary of Microsoft.OData.Edm has no member '{type}/{name}'.");
}

/// <summary>The vocabularies a model's <c>$metadata</c> refers to (<c>edmx:Reference</c>), each added once.</summary>
internal static class Vocabularies
{
    public static void Refer(EdmModel model, Uri uri, string @namespace, string alias)
    {
        var references = model.GetEdmReferences()?.ToList() ?? [];
        if (references.Any(r => r.Includes.Any(i => i.Namespace == @namespace)))
        {
            return;
        }

        var reference = new EdmReference(uri);
        reference.AddInclude(new EdmInclude(alias, @namespace));
        references.Add(reference);
        model.SetEdmReferences(references);
    }
}
