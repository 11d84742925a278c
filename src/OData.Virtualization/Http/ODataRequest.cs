using Microsoft.AspNetCore.Http;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Security;

namespace OData.Virtualization.Http;

/// <summary>One request under an OData service root, as the endpoint frames it for the stages after admission.</summary>
internal sealed class ODataRequest(HttpContext context, AccessScope scope, RequestTarget target, RequestTimings timings, string memoKey)
{
    public HttpContext Context { get; } = context;

    /// <summary>Who asks, through which model (the published one, or a client profile of it), within which limits.</summary>
    public AccessScope Scope { get; } = scope;

    public RequestTarget Target { get; } = target;

    public RequestTimings Timings { get; } = timings;

    /// <summary>What identifies the request to the memo: scope, service root, target, <c>Accept</c> and <c>Prefer</c>.</summary>
    public string MemoKey { get; } = memoKey;

    public string ServiceRoot => Target.ServiceRoot;

    public string Relative => Target.Relative;

    public CancellationToken Aborted => Context.RequestAborted;

    /// <summary>Set once the first bytes of a streamed body are written (maybe not yet flushed): errors can then only abort.</summary>
    public bool BodyStarted { get; set; }
}
