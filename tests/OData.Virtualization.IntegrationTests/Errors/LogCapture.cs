using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OData.Virtualization.IntegrationTests.Errors;

/// <summary>Keeps every log line of a host, to assert what the server told its operator.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _lines = new();

    private readonly ConcurrentQueue<(string Message, Exception Exception)> _exceptions = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => [.. _lines];

    /// <summary>The exceptions logged at Error or above, whole (their stack traces), with their lines.</summary>
    public IReadOnlyList<(string Message, Exception Exception)> Exceptions => [.. _exceptions];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                // The exception's messages too: "Hosting failed to start" carries the configuration errors only there.
                var text = formatter(state, exception);
                for (var e = exception; e is not null; e = e.InnerException)
                {
                    text += Environment.NewLine + e.Message;
                }

                owner._lines.Enqueue((logLevel, category, text));
                if (exception is not null && logLevel >= LogLevel.Error)
                {
                    owner._exceptions.Enqueue((text, exception));
                }
            }
        }
    }
}
