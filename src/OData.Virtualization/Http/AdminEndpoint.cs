using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Publishing;
using OData.Virtualization.Security;

namespace OData.Virtualization.Http;

/// <summary>
/// The administration endpoints, for authenticated principals in an administrator role (<c>OData:Admin:Roles</c>,
/// default <c>odata-admin</c>) — never anonymous, whatever <c>AllowAnonymous</c> says:
/// <list type="bullet">
/// <item><c>POST /admin/refresh</c>: discover the sources now; answers with what changed;</item>
/// <item><c>GET /admin/model/changes</c>: the published generation, the changes held back by the model lock, the
/// latest refreshes and the NOTIFY listeners;</item>
/// <item><c>POST /admin/model/accept[?id=…]</c>: publish the held-back changes and rewrite the lock file;</item>
/// <item><c>GET /admin/model/lock[?pending=true]</c>: the lock file's content for the published (or held-back) model.</item>
/// </list>
/// </summary>
internal static class AdminEndpoint
{
    public const string Prefix = "/admin";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix);
        group.MapPost("/refresh", RefreshAsync);
        group.MapGet("/model/changes", ChangesAsync);
        group.MapPost("/model/accept", AcceptAsync);
        group.MapGet("/model/lock", LockAsync);
    }

    private static async Task RefreshAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is not { } principal)
        {
            return;
        }

        var report = await context.RequestServices.GetRequiredService<ModelHost>().RefreshAsync("requested by " + principal, context.RequestAborted);
        // 409: the sources as they are now cannot be published with this configuration (the errors say why).
        context.Response.StatusCode = report.Outcome == RefreshOutcome.Failed ? StatusCodes.Status409Conflict : StatusCodes.Status200OK;
        await context.Response.WriteAsJsonAsync(Describe(report), context.RequestAborted);
    }

    private static async Task ChangesAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is null)
        {
            return;
        }

        var models = context.RequestServices.GetRequiredService<ModelHost>();
        var settings = context.RequestServices.GetRequiredService<IOptionsMonitor<VirtualizationOptions>>().CurrentValue;
        var snapshot = models.Snapshot;
        var pending = models.Pending;
        var listener = context.RequestServices.GetService<SchemaChangeListener>();
        await context.Response.WriteAsJsonAsync(new
        {
            generation = snapshot.Generation,
            publishedAt = snapshot.PublishedAt,
            entitySets = snapshot.Model.Sets.Count,
            unavailableSources = snapshot.Unavailable.Order(StringComparer.Ordinal).ToArray(),
            modelLock = string.IsNullOrWhiteSpace(settings.ModelLock.Path) ? null : new
            {
                path = Path.GetFullPath(settings.ModelLock.Path),
                pending = pending is null ? null : new
                {
                    id = pending.Id,
                    detectedAt = pending.DetectedAt,
                    trigger = pending.Trigger,
                    breaking = pending.Changes.Any(c => c.Breaking),
                    changes = pending.Changes.Select(Describe).ToArray(),
                },
            },
            listeners = listener?.States,
            refreshes = models.History.Select(Describe).ToArray(),
        }, context.RequestAborted);
    }

    private static async Task AcceptAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is not { } principal)
        {
            return;
        }

        var result = await context.RequestServices.GetRequiredService<ModelHost>().AcceptAsync(principal, context.Request.Query["id"].ToString(), context.RequestAborted);
        context.Response.StatusCode = result.Status;
        await context.Response.WriteAsJsonAsync(new
        {
            accepted = result.Accepted,
            message = result.Message,
            changes = result.Changes.Select(Describe).ToArray(),
        }, context.RequestAborted);
    }

    private static async Task LockAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is null)
        {
            return;
        }

        var models = context.RequestServices.GetRequiredService<ModelHost>();
        var pending = string.Equals(context.Request.Query["pending"], "true", StringComparison.OrdinalIgnoreCase);
        if (pending && models.Pending is null)
        {
            await ODataErrorWriter.WriteAsync(context, ODataProblem.NotFound("Nothing is held back: the lock of the published model is at GET /admin/model/lock."));
            return;
        }

        var description = pending ? models.Pending!.Next.Description : models.Snapshot.Description;
        context.Response.ContentType = "application/json;charset=utf-8";
        await context.Response.WriteAsync(description.ToJson(), context.RequestAborted);
    }

    /// <summary>
    /// The principal's name when it may administer; otherwise the 401 (no or wrong credentials, and anonymous) or 403
    /// (authenticated, not an administrator) is written and null returned.
    /// </summary>
    internal static async Task<string?> AuthorizeAsync(HttpContext context)
    {
        var security = context.RequestServices.GetRequiredService<IOptionsMonitor<VirtualizationOptions>>().CurrentValue;
        // A browser posting cross-site (Basic credentials it remembers would go along) is not an administrator's call.
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers.Origin is { Count: > 0 } origin
            && !(Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var from) && string.Equals(from.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            await ODataErrorWriter.WriteAsync(context, new ODataProblem(403, "Forbidden", "Administration requests from another site's page are refused. Call the endpoint directly (curl, a script)."));
            return null;
        }

        var result = await context.AuthenticateAsync(Schemes.Selector);
        if (result.Failure is SignInRefusedException refused)
        {
            await ODataErrorWriter.WriteAsync(context, refused.Answer(context));
            return null;
        }

        if (!result.Succeeded || result.Principal.Identity?.IsAuthenticated != true)
        {
            Gatekeeper.Challenge(context, security.Security, invalidToken: result.Failure is not null && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase));
            var why = result.Failure is { } failure ? AuthenticationFailures.Describe(context, failure) + " " : "The administration endpoints need an administrator's credentials. ";
            await ODataErrorWriter.WriteAsync(context, new ODataProblem(401, "Unauthorized", why + Gatekeeper.HowToAuthenticate(security.Security)));
            return null;
        }

        var principal = result.Principal;
        var roles = security.Admin.EffectiveRoles();
        if (!roles.Any(principal.IsInRole))
        {
            await ODataErrorWriter.WriteAsync(context, new ODataProblem(403, "Forbidden", $"'{Name(principal)}' is not an administrator: the administration endpoints need the role {string.Join(" or ", roles.Select(r => "'" + r + "'"))} (OData:Admin:Roles)."));
            return null;
        }

        context.User = principal;
        return Name(principal);
    }

    private static string Name(ClaimsPrincipal principal) => Identities.Of(principal);

    private static object Describe(RefreshReport report) => new
    {
        at = report.At,
        trigger = report.Trigger,
        outcome = report.Outcome.ToString(),
        generation = report.Generation,
        milliseconds = Math.Round(report.Milliseconds, 1),
        pendingChanges = report.PendingChanges,
        errors = report.Errors,
        changes = report.Changes.Select(Describe).ToArray(),
    };

    private static object Describe(ModelChange change) => new
    {
        profile = change.Profile,
        kind = change.Kind.ToString(),
        entitySet = change.EntitySet,
        member = change.Member,
        before = change.Before,
        after = change.After,
        breaking = change.Breaking,
        message = change.Message,
    };
}
