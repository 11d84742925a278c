using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OData.Virtualization.Security;

namespace OData.Virtualization.Tests.Security;

/// <summary>
/// A configured user or API key authenticates to one shared principal (its access scope is then resolved once), but
/// only while no claims transformation runs: one that adds claims in place would carry one request's claims into the
/// next request's principal.
/// </summary>
public sealed class SharedPrincipalTests
{
    private static readonly Dictionary<string, string> s_claims = new() { ["branch"] = "zurich" };

    [Fact]
    public async Task WithoutTransformation_OneEntry_IsOnePrincipal_AndAnotherEntryAnother()
    {
        var entry = new ApiKeyOptions();
        var first = await Schemes.Authenticated(new NoopClaimsTransformation(), entry, Schemes.ApiKey, "erp-sync", ["reader"], s_claims);
        var second = await Schemes.Authenticated(new NoopClaimsTransformation(), entry, Schemes.ApiKey, "erp-sync", ["reader"], s_claims);
        var reloaded = await Schemes.Authenticated(new NoopClaimsTransformation(), new ApiKeyOptions(), Schemes.ApiKey, "erp-sync", ["reader", "auditor"], s_claims);

        Assert.Same(first.Principal, second.Principal);
        Assert.IsType<SharedPrincipal>(first.Principal);
        Assert.NotSame(first.Principal, reloaded.Principal);
        Assert.True(reloaded.Principal!.IsInRole("auditor"));
        Assert.False(first.Principal!.IsInRole("auditor"));
        Assert.Equal(("erp-sync", "zurich", Schemes.ApiKey), (first.Principal.Identity!.Name, first.Principal.FindFirst("branch")!.Value, first.Ticket!.AuthenticationScheme));
    }

    [Fact]
    public async Task WithATransformation_EveryRequest_GetsAPrincipalOfItsOwn()
    {
        var entry = new UserOptions();
        var transformation = new AddsAClaimInPlace();
        var first = await Schemes.Authenticated(transformation, entry, Schemes.Basic, "alice", [], s_claims);
        await transformation.TransformAsync(first.Principal!);
        var second = await Schemes.Authenticated(transformation, entry, Schemes.Basic, "alice", [], s_claims);

        Assert.NotSame(first.Principal, second.Principal);
        Assert.IsNotType<SharedPrincipal>(second.Principal);
        Assert.Null(second.Principal!.FindFirst("added"));
    }

    private sealed class AddsAClaimInPlace : IClaimsTransformation
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("added", "by an earlier request"));
            return Task.FromResult(principal);
        }
    }
}
