using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Vocabularies;

namespace OData.Virtualization.Model;

/// <summary>
/// Tells clients in <c>$metadata</c> that every entity set answers <c>$apply</c>: the Aggregation vocabulary's
/// <c>ApplySupported</c> term on each set (with the transformations this service implements; <c>Rollup</c> is left out: its enum member does not resolve for a
/// client that reads <c>$metadata</c> without fetching the vocabulary, and model validation fails on it), and the
/// reference that includes the vocabulary (decision 76).
/// </summary>
internal static class AggregationAnnotations
{
    public const string Vocabulary = "Org.OData.Aggregation.V1";

    private static readonly Uri s_vocabularyUri = new("https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Aggregation.V1.xml");

    private static readonly EdmComplexType s_applySupportedType = CreateApplySupportedType();

    private static readonly EdmTerm s_applySupported = new(Vocabulary, "ApplySupported", new EdmComplexTypeReference(s_applySupportedType, isNullable: true));

    /// <summary>
    /// The part of the vocabulary the annotation uses, as a referenced model: the term resolves when the model is
    /// validated, and a referenced model is not written into <c>$metadata</c> (the reference above stands for it).
    /// </summary>
    private static readonly EdmModel s_vocabularyModel = CreateVocabularyModel();

    /// <summary>The transformations of <c>$apply</c> this service implements, as <c>ApplySupported</c> lists them.</summary>
    public static readonly string[] Transformations = ["aggregate", "groupby", "filter"];

    public static void Annotate(EdmModel model, IEnumerable<PublishedSet> sets)
    {
        var reference = new EdmReference(s_vocabularyUri);
        reference.AddInclude(new EdmInclude("Aggregation", Vocabulary));
        model.SetEdmReferences([.. model.GetEdmReferences() ?? [], reference]);
        model.AddReferencedModel(s_vocabularyModel);
        foreach (var set in sets)
        {
            var record = new EdmRecordExpression(
                new EdmPropertyConstructor("Transformations", new EdmCollectionExpression(Transformations.Select(t => (IEdmExpression)new EdmStringConstant(t)))));
            var annotation = new EdmVocabularyAnnotation(set.EdmSet, s_applySupported, record);
            annotation.SetSerializationLocation(model, EdmVocabularyAnnotationSerializationLocation.Inline);
            model.AddVocabularyAnnotation(annotation);
        }
    }

    private static EdmComplexType CreateApplySupportedType()
    {
        var type = new EdmComplexType(Vocabulary, "ApplySupportedType");
        type.AddStructuralProperty("Transformations", new EdmCollectionTypeReference(new EdmCollectionType(EdmCoreModel.Instance.GetString(isNullable: false))));
        return type;
    }

    private static EdmModel CreateVocabularyModel()
    {
        var model = new EdmModel();
        model.AddElement(s_applySupportedType);
        model.AddElement(s_applySupported);
        return model;
    }
}
