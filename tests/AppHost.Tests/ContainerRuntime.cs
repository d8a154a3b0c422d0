using System.Diagnostics;
using Xunit;

namespace AppHost.Tests;

/// <summary>Whether <c>docker info</c> (or <c>$ASPIRE_CONTAINER_RUNTIME info</c>) answers within 5 s: a client without a daemon does
/// not.</summary>
internal static class ContainerRuntime
{
    public static readonly Lazy<string?> Missing = new(Probe);

    private static string? Probe()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } named ? named : "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return $"{runtime} did not start";
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return $"`{runtime} info` did not answer within 5 s";
            }

            return process.ExitCode == 0 ? null : $"`{runtime} info` failed (no container runtime daemon)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"`{runtime}` is not installed";
        }
    }
}

/// <summary>A fact skipped, with the reason, where no container runtime answers (these build machines).</summary>
public sealed class ContainerRuntimeFactAttribute : FactAttribute
{
    public ContainerRuntimeFactAttribute()
    {
        if (ContainerRuntime.Missing.Value is { } reason)
        {
            Skip = $"containers mode needs Docker or Podman: {reason}.";
        }
    }
}

/// <summary>A fact skipped, with the reason, where Debian's chromium is not installed (eng/test.sh installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path))
        {
            Skip = $"{Path} is not installed (INSTALL_CHROMIUM=1 eng/install-deps.sh); the dashboard cannot be opened in a browser.";
        }
    }
}
