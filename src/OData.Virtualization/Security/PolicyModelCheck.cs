using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Security;

/// <summary>Every candidate model is checked against the configured policies: a policy naming a set or column the model lacks is an error.</summary>
internal sealed class PolicyModelCheck : IModelCheck
{
    public IEnumerable<string> Check(VirtualizationOptions settings, PublishedModel model) => PolicyValidator.Validate(settings.Security, model);
}
