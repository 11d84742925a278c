using System.Data.Common;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>Compiled statements as commands of a source's connection: parameters bound by its dialect, its statement timeout.</summary>
internal static class SourceCommands
{
    /// <summary>Creates a command bound to <paramref name="connection"/> with the source's statement timeout.</summary>
    public static DbCommand CreateCommand(this DataSource source, DbConnection connection, SqlStatement statement)
    {
        var command = connection.CreateCommand();
        command.CommandText = statement.Text;
        command.CommandTimeout = source.Options.CommandTimeoutSeconds;
        var dialect = source.Dialect;
        foreach (var value in statement.Parameters)
        {
            command.Parameters.Add(dialect.CreateParameter(command, command.Parameters.Count, value));
        }

        return command;
    }

    /// <summary>A command of <paramref name="batch"/>, its parameters bound by the source's dialect.</summary>
    public static DbBatchCommand BatchCommand(DbBatch batch, DataSource source, SqlStatement statement)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = statement.Text;
        using var scratch = batch.Connection!.CreateCommand();
        var dialect = source.Dialect;
        for (var i = 0; i < statement.Parameters.Count; i++)
        {
            command.Parameters.Add(dialect.CreateParameter(scratch, i, statement.Parameters[i]));
        }

        return command;
    }
}
