using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace DurableJobs.Tests.Infrastructure;

/// <summary>Writes host logs to the test's output (shown when a test fails).</summary>
public sealed class XunitLoggerProvider(ITestOutputHelper output, string host) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, host, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string host, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var shortCategory = category[(category.LastIndexOf('.') + 1)..];
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} [{host}] {logLevel} {shortCategory}: {formatter(state, exception)}";
            if (exception is not null)
            {
                line += $" | {exception.GetType().Name}: {exception.Message}";
            }

            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished; a host still winding down (or abandoned on purpose) has no output any more.
            }
        }
    }
}
