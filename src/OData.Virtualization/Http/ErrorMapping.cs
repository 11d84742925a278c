using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using Npgsql;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Execution;
using OData.Virtualization.Publishing;
using OData.Virtualization.Query;
using OData.Virtualization.Security;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Http;

/// <summary>
/// Maps every failure to an OData error a client can act on: the parser's complaints become 400s with a
/// suggestion, an unreachable source a 503, a source that rejects a value (division by zero, out of range)
/// a 400. Nothing here ever puts SQL text or a stack trace into a response.
/// </summary>
internal static partial class ErrorMapping
{
    public static ODataProblem? ToProblem(Exception exception, HttpContext context, ILogger logger)
    {
        switch (exception)
        {
            case ODataProblem problem:
                return problem;
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return null;
            case ODataUnrecognizedPathException unrecognized:
                return ODataProblem.NotFound(WithSuggestion(unrecognized.Message, context));
            case ODataException odata:
                return FromParser(odata, context);
            case UriFormatException:
                return ODataProblem.BadRequest("The request URL is not valid: check its percent-encoding ('%' must be followed by two hexadecimal digits; write a literal '%' as %25).");
            case InsufficientExecutionStackException:
                return FilterComplexity.TooDeep(null, null, 0);
            case SourceUnavailableException unavailable:
                ServerLog.SourceUnavailable(logger, unavailable.SourceName, unavailable.InnerException?.Message ?? unavailable.Message);
                context.Response.Headers.RetryAfter = "5";
                return new ODataProblem(503, "SourceUnavailable", $"The data source '{unavailable.SourceName}' cannot be reached right now. Try again shortly; if it persists, tell the operator.");
            case SourceBusyException { Share: { } share } busy:
                context.Response.Headers.RetryAfter = "2";
                return new ODataProblem(503, "SourceBusy", $"You are already running {share} {(share == 1 ? "query" : "queries")} on the data source '{busy.SourceName}', your share of it, and none finished in time. Try again when one has finished, or send fewer queries at once.");
            case SourceBusyException { Set: { } set } busy:
                context.Response.Headers.RetryAfter = "2";
                return new ODataProblem(503, "SourceBusy", $"The entity set '{set}' is running as many queries as one set may on the data source '{busy.SourceName}' (its statements are slow or waiting), and none finished in time. Try again in a moment; the source's other sets are still served.");
            case SourceBusyException busy:
                context.Response.Headers.RetryAfter = "2";
                return new ODataProblem(503, "SourceBusy", $"The data source '{busy.SourceName}' is busy with other requests right now. Try again in a moment.");
            case Polly.CircuitBreaker.BrokenCircuitException:
                context.Response.Headers.RetryAfter = "10";
                return new ODataProblem(503, "SourceUnavailable", "The data source is failing and is given a few seconds to recover before it is tried again. Try again shortly; if it persists, tell the operator.");
            case PostgresException postgres:
                return FromPostgres(postgres, context, logger);
            case NpgsqlException npgsql when npgsql.InnerException is TimeoutException:
                return Timeout();
            case NpgsqlException:
                context.Response.Headers.RetryAfter = "5";
                return new ODataProblem(503, "SourceUnavailable", "The data source failed while answering. Try again shortly.");
            case MySqlConnector.MySqlException mysql:
                return FromMySql(mysql, context, logger);
            case SqliteException { SqliteErrorCode: 1 } sqlite when sqlite.Message.Contains("no such column", StringComparison.Ordinal) || sqlite.Message.Contains("no such table", StringComparison.Ordinal):
                return SchemaChanged(context);
            case SqliteException { SqliteErrorCode: 9 }:
                return Timeout();
            case SqliteException { SqliteErrorCode: 5 or 6 }:
                return new ODataProblem(503, "SourceBusy", "The data source is busy. Try again shortly.");
            case TimeoutException:
                return Timeout();
        }

        ServerLog.UnexpectedError(logger, exception, context.TraceIdentifier);
        return new ODataProblem(500, "InternalError", $"The server could not answer this request. Quote request id '{context.TraceIdentifier}' to the operator.");
    }

    /// <summary>
    /// The source no longer has a table or column the published model has (dropped since the last refresh, or held back
    /// by the model lock): a 503 that says so, and a refresh soon (the refresher throttles these requests).
    /// </summary>
    private static ODataProblem SchemaChanged(HttpContext context)
    {
        context.RequestServices.GetService<SchemaRefresher>()?.RequestAfterSchemaMismatch();
        context.Response.Headers.RetryAfter = "10";
        return new ODataProblem(503, "SchemaChanged", "The data source no longer has a table or column this entity set publishes (its schema changed). The published model is being refreshed; try again shortly, and if it persists tell the operator.");
    }

    private static ODataProblem Timeout()
        => new(504, "SourceTimeout", "The data source did not answer within the statement timeout. Narrow the query (a $filter on an indexed column, a smaller $top) and try again.");

    private static ODataProblem FromPostgres(PostgresException postgres, HttpContext context, ILogger logger)
    {
        var state = postgres.SqlState;
        if (state == PostgresErrorCodes.QueryCanceled)
        {
            return Timeout();
        }

        if (state is PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable)
        {
            return SchemaChanged(context);
        }

        if (state.StartsWith("22", StringComparison.Ordinal) || state is PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.DatatypeMismatch)
        {
            // A value or comparison the source cannot evaluate: division by zero, a number out of range, …. The log has
            // the source's own words; the client gets ours (the source's name its types and functions, not the query's).
            ServerLog.SourceRejectedQuery(logger, context.TraceIdentifier, postgres.MessageText);
            return ODataProblem.BadRequest(Rejected(state), null, "SourceRejectedQuery");
        }

        if (state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal) || state.StartsWith("28", StringComparison.Ordinal))
        {
            context.Response.Headers.RetryAfter = "5";
            return new ODataProblem(503, "SourceUnavailable", "The data source cannot answer right now. Try again shortly.");
        }

        ServerLog.UnexpectedError(logger, postgres, context.TraceIdentifier);
        return new ODataProblem(500, "InternalError", $"The server could not answer this request. Quote request id '{context.TraceIdentifier}' to the operator.");
    }

    /// <summary>What a value the source could not evaluate means for the request, by the class of its SQLSTATE.</summary>
    private static string Rejected(string state) => state switch
    {
        PostgresErrorCodes.DivisionByZero => "Division by zero: a 'div' or 'mod' in the query divides by a value that is 0 in some row. Exclude those rows, for example with 'and Divisor ne 0' before the division.",
        PostgresErrorCodes.NumericValueOutOfRange or PostgresErrorCodes.IntervalFieldOverflow => "A computation in the query leaves the range of its type (for example an Int32 property plus 2147483647). Use smaller numbers.",
        PostgresErrorCodes.DatetimeFieldOverflow or PostgresErrorCodes.InvalidDatetimeFormat => "A date or time in the query, or one computed from it, is out of the range the data source holds (4713 BC to 294276 AD).",
        PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter => "A text value in the query contains a character the data source cannot hold (such as NUL, %00). Remove it.",
        PostgresErrorCodes.SubstringError => "substring's length must not be negative: substring(text, start, length).",
        PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.DatatypeMismatch => "The data source cannot compare or compute with these types together. Compare values of the same type (cast a literal, for example cast(1.5,Edm.Decimal)).",
        _ => "The data source could not evaluate a value in the query (out of range or not valid for its type). Check the literals and the functions' arguments.",
    };

    private static ODataProblem FromParser(ODataException exception, HttpContext context)
    {
        var message = exception.Message;
        if (message.Contains("Recursion depth exceeded", StringComparison.Ordinal))
        {
            return FilterComplexity.TooDeep(null, null, 0);
        }

        return ODataProblem.BadRequest(WithSuggestion(message, context));
    }

    /// <summary>Suggestions come only from what the caller may see: never a hidden set or property name.</summary>
    private static string WithSuggestion(string message, HttpContext context)
        => context.Features.Get<AccessScope>() is { } scope
            ? ParserMessages.WithSuggestion(message, scope.Model.EdmModel)
            : message;
}
