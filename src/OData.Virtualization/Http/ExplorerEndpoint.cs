using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Security;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Http;

/// <summary>
/// The explorer page: what a person sees when opening the server in a browser. A static page (HTML, CSS and
/// JavaScript modules embedded in this assembly) that reads the model from the OData service itself and builds
/// queries against it. The page holds no data: it is served without credentials; the data it shows comes from
/// <c>/odata/</c> requests that carry the user's credentials.
/// </summary>
public static class ExplorerEndpoint
{
    /// <summary>The folder the page's assets are served from (<c>/explorer/explorer.js</c>, …).</summary>
    public const string AssetRoute = "explorer";

    /// <summary>
    /// Only the page's own files and requests to its own origin; no inline script or style, no framing, no form
    /// posts, no plug-ins. The page renders data with <c>textContent</c> only, so this is a second line of defence.
    /// </summary>
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Serves the page at <c>/</c>, its assets at <c>/explorer/{file}</c>, and at <c>/explorer/sources</c> which
    /// source each entity set the caller can see comes from (not part of <c>$metadata</c>); that answer needs the
    /// same credentials as the OData service.
    /// </summary>
    public static IEndpointConventionBuilder MapODataExplorer(this IEndpointRouteBuilder endpoints)
    {
        var assets = ExplorerAssets.Load();
        var group = endpoints.MapGroup(string.Empty);
        group.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], context => ServeAsync(context, assets.Index));
        group.MapMethods("/" + AssetRoute + "/{file}", [HttpMethods.Get, HttpMethods.Head], context =>
        {
            var name = context.Request.RouteValues["file"] as string;
            var asset = name is null || name == ExplorerAssets.IndexName ? null : assets.Find(name);
            if (asset is null)
            {
                AddSecurityHeaders(context.Response.Headers);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                context.Response.ContentType = "text/plain; charset=utf-8";
                return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("Not found.", context.RequestAborted);
            }

            return ServeAsync(context, asset);
        });
        group.MapGet("/" + AssetRoute + "/sources", WriteSourcesAsync);
        return group;
    }

    private static Task ServeAsync(HttpContext context, ExplorerAsset asset)
    {
        var response = context.Response;
        AddSecurityHeaders(response.Headers);
        response.Headers.ETag = asset.ETag;
        // Revalidate every time (a 304 costs one round trip): an upgraded server never serves an old script.
        response.Headers.CacheControl = "no-cache";
        response.ContentType = asset.ContentType;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && EntityTagHeaderValue.TryParseList([ifNoneMatch], out var tags)
            && tags.Any(t => t.Tag.Equals("*", StringComparison.Ordinal) || t.Compare(new EntityTagHeaderValue(asset.ETag), useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static void AddSecurityHeaders(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    /// <summary>
    /// <c>{"sources":[{"name":"erp","entitySets":[{"name":"products","kind":"table"}]}],"signIn":["basic"]}</c> for the
    /// entity sets the caller's policies let it see, and the ways to sign in that the server accepts (<c>basic</c>,
    /// <c>apikey</c> with its <c>apiKeyHeader</c>, <c>bearer</c>; none on the demo), so that the page offers credentials
    /// only where they can be given; the same 401/429 as the OData service otherwise. The methods are what a 401's
    /// <c>WWW-Authenticate</c> names anyway. A set the caller may write also lists the properties its edit form shows
    /// but cannot send (<c>readOnly</c>: identity ALWAYS and generated columns, and columns masked for this caller) and
    /// those the database fills in when a new row leaves them out (<c>defaulted</c>): neither is in <c>$metadata</c>.
    /// </summary>
    private static async Task WriteSourcesAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        try
        {
            var scope = await services.GetRequiredService<Gatekeeper>().AdmitAsync(context);
            using var lease = await services.GetRequiredService<RequestLimiter>().AcquireAsync(context, scope);
            response.ContentType = "application/json; charset=utf-8";
            await using var writer = new Utf8JsonWriter(response.BodyWriter);
            writer.WriteStartObject();
            writer.WriteStartArray("sources");
            foreach (var source in scope.Model.Sets.Values.GroupBy(s => s.Source.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("name", source.Key);
                writer.WriteStartArray("entitySets");
                foreach (var set in source.OrderBy(s => s.Name, StringComparer.Ordinal))
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", set.Name);
                    writer.WriteString("kind", set.Object.IsView ? "view" : "table");
                    if (set.Writes != WriteOperations.None)
                    {
                        WriteColumnNames(writer, "readOnly", set.Columns.Where(c => c.Generation == ColumnGeneration.Always || c.Mask is not null));
                        WriteColumnNames(writer, "defaulted", set.Columns.Where(c => c.Generation == ColumnGeneration.Defaulted));
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            var security = services.GetRequiredService<IOptionsMonitor<VirtualizationOptions>>().CurrentValue.Security;
            writer.WriteStartArray("signIn");
            if (security.Users.Count > 0)
            {
                writer.WriteStringValue("basic");
            }

            if (security.ApiKeys.Count > 0)
            {
                writer.WriteStringValue("apikey");
            }

            if (security.Jwt is not null)
            {
                writer.WriteStringValue("bearer");
            }

            writer.WriteEndArray();
            if (security.ApiKeys.Count > 0)
            {
                writer.WriteString("apiKeyHeader", security.ApiKeyHeader);
            }

            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted);
        }
        catch (ODataProblem problem) when (!response.HasStarted)
        {
            await ODataErrorWriter.WriteAsync(context, problem);
        }
    }

    private static void WriteColumnNames(Utf8JsonWriter writer, string name, IEnumerable<PublishedColumn> columns)
    {
        writer.WriteStartArray(name);
        foreach (var column in columns)
        {
            writer.WriteStringValue(column.PropertyName);
        }

        writer.WriteEndArray();
    }
}
