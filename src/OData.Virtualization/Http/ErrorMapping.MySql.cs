using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>MySQL's and MariaDB's errors, by their error numbers, as the PostgreSQL ones are mapped by SQLSTATE.</summary>
internal static partial class ErrorMapping
{
    private static ODataProblem FromMySql(MySqlException mysql, HttpContext context, ILogger logger)
    {
        switch (mysql.ErrorCode)
        {
            // max_statement_time (MariaDB), max_execution_time (MySQL), and a statement KILLed by the driver's cancel.
            case MySqlErrorCode.QueryInterrupted or (MySqlErrorCode)1969 or (MySqlErrorCode)3024 or MySqlErrorCode.CommandTimeoutExpired:
                return Timeout();
            case MySqlErrorCode.BadFieldError or MySqlErrorCode.NoSuchTable or MySqlErrorCode.UnknownTable:
                return SchemaChanged(context);
            case MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.AccessDenied or MySqlErrorCode.TooManyUserConnections
                or MySqlErrorCode.ConnectionCountError or MySqlErrorCode.ServerShutdown or MySqlErrorCode.LockDeadlock
                or MySqlErrorCode.LockWaitTimeout:
                context.Response.Headers.RetryAfter = "5";
                return new ODataProblem(503, "SourceUnavailable", "The data source cannot answer right now. Try again shortly.");
            case MySqlErrorCode.NotSupportedYet:
                // A construct this server version does not run (MySQL refuses some subqueries with LIMIT).
                ServerLog.SourceRejectedQuery(logger, context.TraceIdentifier, mysql.Message);
                return ODataProblem.NotImplemented("this combination of query options on a MySQL or MariaDB source", null);
            case MySqlErrorCode.ParseError or MySqlErrorCode.SyntaxError or MySqlErrorCode.StoredProcedureDoesNotExist:
                // Our SQL, not the client's request: a bug to report.
                ServerLog.UnexpectedError(logger, mysql, context.TraceIdentifier);
                return new ODataProblem(500, "InternalError", $"The server could not answer this request. Quote request id '{context.TraceIdentifier}' to the operator.");
        }

        var number = (int)mysql.ErrorCode;
        if (number is >= 1000 and < 2000 || number is >= 3000 and < 5000)
        {
            // A value or comparison the source could not evaluate (out of range, an invalid date or JSON text, a
            // character its collation cannot hold). The log has the source's own words; the client gets ours.
            ServerLog.SourceRejectedQuery(logger, context.TraceIdentifier, mysql.Message);
            return ODataProblem.BadRequest(RejectedByMySql(mysql.ErrorCode), null, "SourceRejectedQuery");
        }

        // The client library's own errors (2000-2999: a lost connection, a server gone away) and the driver's.
        context.Response.Headers.RetryAfter = "5";
        return new ODataProblem(503, "SourceUnavailable", "The data source failed while answering. Try again shortly.");
    }

    private static string RejectedByMySql(MySqlErrorCode code) => (int)code switch
    {
        1690 => "A computation in the query leaves the range of its type (for example an Int32 property plus 2147483647). Use smaller numbers.",
        1365 => "Division by zero: a 'div' or 'mod' in the query divides by a value that is 0 in some row. Exclude those rows, for example with 'and Divisor ne 0' before the division.",
        1292 or 1441 => "A date or time in the query, or one computed from it, is out of the range the data source holds.",
        1267 or 1270 or 1271 or 1300 or 1366 => "A text value in the query contains a character the data source cannot hold or compare. Remove it.",
        _ => "The data source could not evaluate a value in the query (out of range or not valid for its type). Check the literals and the functions' arguments.",
    };
}
