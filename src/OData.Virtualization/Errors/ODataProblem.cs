namespace OData.Virtualization.Errors;

/// <summary>
/// An expected failure that the client can act on: mapped to an OData error response in one place
/// (<c>ODataErrorWriter</c>). Never carries SQL text or internal details.
/// </summary>
internal sealed class ODataProblem : Exception
{
    public ODataProblem(int status, string code, string message, string? target = null, IReadOnlyList<ODataProblemDetail>? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        Code = code;
        Target = target;
        Details = details ?? [];
    }

    public int Status { get; }

    public string Code { get; }

    public string? Target { get; }

    public IReadOnlyList<ODataProblemDetail> Details { get; }

    public static ODataProblem BadRequest(string message, string? target = null, string code = "BadRequest")
        => new(400, code, message, target);

    public static ODataProblem NotImplemented(string what, string? target = null)
        => new(501, "NotImplemented", $"{what} is not supported by this service.", target);

    public static ODataProblem NotFound(string message, string? target = null)
        => new(404, "NotFound", message, target);
}

/// <summary>One entry of an OData error's <c>details</c>.</summary>
internal sealed record ODataProblemDetail(string Code, string Message, string? Target);
