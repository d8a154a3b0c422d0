using System.Diagnostics;
using System.Globalization;
using System.Text;
using Testing;

namespace DistributorService.Tests;

/// <summary>
/// The service as a separate OS process (the built DistributorService.dll), so a test can kill it with SIGKILL
/// in the middle of a delivery: no graceful shutdown, no lease release.
/// </summary>
internal sealed class DistributorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DistributorProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new DistributorClient(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) });
    }

    public Uri BaseAddress { get; }

    public DistributorClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<DistributorProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var port = FreePort.Next();
        var baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        var info = new ProcessStartInfo("dotnet", [ServiceDll()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServiceDll())!,
        };
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        info.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var host = new DistributorProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.UntilAsync(async ct =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode}: {host.Output}");
            }

            using var response = await host.Client.Http.GetAsync("/alive", ct);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), "the service process should answer /alive");
        return host;
    }

    /// <summary>SIGKILL: the process gets no chance to finish or release anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Http.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static string ServiceDll()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "DistributorService", "bin", configuration, "net10.0", "DistributorService.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("DistributorService.dll not found above " + AppContext.BaseDirectory);
    }
}
