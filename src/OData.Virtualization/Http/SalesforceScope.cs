using OData.Virtualization.Configuration;
using OData.Virtualization.Profiles;
using OData.Virtualization.Security;

namespace OData.Virtualization.Http;

/// <summary>A caller seen through the Salesforce Connect profile: the same rules and limits, the profile's model, its page size.</summary>
internal static class SalesforceScope
{
    public static AccessScope Of(AccessScope scope, SalesforceOptions salesforce)
    {
        var profile = SalesforceProfile.For(scope.Model);
        var maxPageSize = salesforce.MaxPageSize;
        return new AccessScope(scope.Id + "/salesforce", scope.Principal, profile.Model, profile.Metadata, scope.Limits)
        {
            MaxPageSize = scope.Limits.MaxPageSize is { } own && own > 0 && own < maxPageSize ? own : maxPageSize,
        };
    }
}
