using System.Diagnostics;
using System.Globalization;
using Testing;

namespace DistributorBench;

/// <summary>The built DistributorService.dll as its own process, configured through environment variables as Aspire would.</summary>
internal sealed class ServiceHost : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceHost(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServiceHost> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var dll = FindServiceDll();
        var baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/"));
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Auth__AllowSigningKeyOutsideDevelopment"] = "true"; // the bench mints its tokens with the dev key
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine($"[service] {line}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine($"[service] {line}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new ServiceHost(process, baseAddress);
        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync(async ct =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"DistributorService exited with {process.ExitCode}");
            }

            using var response = await probe.GetAsync("/health/ready", ct);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(90), "DistributorService should become ready");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private static string FindServiceDll()
    {
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "DistributorService", "bin", configuration, "net10.0", "DistributorService.dll");
                if (File.Exists(candidate) && AppContext.BaseDirectory.Contains($"/{configuration}/", StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("DistributorService.dll (same configuration as the benchmark) not found above " + AppContext.BaseDirectory);
    }
}
