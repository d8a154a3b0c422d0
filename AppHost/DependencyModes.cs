using System.Diagnostics;

namespace AppHost;

internal enum DependencyMode
{
    Containers,
    Local,
}

/// <summary>Reads <c>Dependencies:Mode</c> (containers | local); unset means containers where a runtime answers.</summary>
internal static class DependencyModes
{
    public const string ConfigKey = "Dependencies:Mode";

    private static readonly TimeSpan ProbeBudget = TimeSpan.FromSeconds(5);

    public static async Task<DependencyMode> ResolveAsync(IDistributedApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var configured = builder.Configuration[ConfigKey]?.Trim();
        if (string.Equals(configured, "containers", StringComparison.OrdinalIgnoreCase))
        {
            return DependencyMode.Containers;
        }

        if (string.Equals(configured, "local", StringComparison.OrdinalIgnoreCase))
        {
            return DependencyMode.Local;
        }

        if (!string.IsNullOrEmpty(configured))
        {
            throw new InvalidOperationException($"{ConfigKey} must be 'containers' or 'local', not '{configured}'.");
        }

        // Publishing describes the deployable shape and needs no runtime.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return DependencyMode.Containers;
        }

        var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } named ? named : "docker";
        return await RuntimeAnswersAsync(runtime, cancellationToken) ? DependencyMode.Containers : DependencyMode.Local;
    }

    /// <summary>True when <c>{runtime} info</c> exits 0 within <see cref="ProbeBudget"/> (a client without a daemon fails).</summary>
    private static async Task<bool> RuntimeAnswersAsync(string runtime, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(ProbeBudget);
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException($"{runtime} did not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such program
        }

        using (process)
        {
            try
            {
                var drainOut = process.StandardOutput.ReadToEndAsync(budget.Token);
                var drainErr = process.StandardError.ReadToEndAsync(budget.Token);
                await process.WaitForExitAsync(budget.Token);
                await Task.WhenAll(drainOut, drainErr);
                return process.ExitCode == 0;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
        }
    }
}
