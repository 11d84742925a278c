using OData.Virtualization.Configuration;
using OData.Virtualization.Model;

namespace OData.Virtualization.Publishing;

/// <summary>
/// A check that a folder above publishing owns, run on every candidate model before it is published: security policies
/// name entity sets and columns, so a model without them must not be served. A problem stops the start, or holds a
/// refresh back, exactly like the model builder's own errors. Registered in the service collection; publishing knows
/// only this interface.
/// </summary>
internal interface IModelCheck
{
    IEnumerable<string> Check(VirtualizationOptions settings, PublishedModel model);
}
