using System.Text.RegularExpressions;

namespace OData.Virtualization.Security;

/// <summary><c>@claims.&lt;name&gt;</c> in a policy's row filter.</summary>
internal static partial class ClaimReferences
{
    [GeneratedRegex(@"@claims\.([A-Za-z_][A-Za-z0-9_.:/-]*)", RegexOptions.CultureInvariant)]
    public static partial Regex Pattern();
}
