using System.Diagnostics;
using System.Globalization;
using Testing;

namespace SystemTests.Harness;

/// <summary>
/// One service as a real OS process: <c>dotnet &lt;Svc&gt;.dll --urls http://127.0.0.1:PORT</c> from the service's
/// build output, with exactly the environment given (the AppHost's variables). The port stays the same across
/// restarts, so the other services' <c>services__*</c> addresses stay valid. Stdout and stderr are kept (last
/// lines) for failure messages. Disposal, and the end of the test process, kill it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(90);
    private readonly Queue<string> _log = new();
    private readonly Lock _logLock = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private Process? _process;

    public ServiceProcess(ServiceKind kind, IReadOnlyDictionary<string, string> environment)
    {
        Kind = kind;
        Environment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
        Port = FreePort.Next();
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        Http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public ServiceKind Kind { get; }

    public string Name => Kind.ToString();

    /// <summary>The variables the process is started with (a restart picks up changes).</summary>
    public Dictionary<string, string> Environment { get; }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client on <see cref="BaseAddress"/> (60 s timeout; pass a token for tighter bounds).</summary>
    public HttpClient Http { get; }

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    public int? LastExitCode { get; private set; }

    /// <summary>The service's build output: <c>&lt;repo&gt;/&lt;Svc&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;Svc&gt;.dll</c>.</summary>
    public string AssemblyPath => Locate(Kind);

    private static readonly string[] ErrorLevels = ["Error", "Critical"];
    private static readonly string[] WarningLevels = ["Warning", "Error", "Critical"];

    /// <summary>The service's Error and Critical log lines (unhandled exceptions among them), newest last.</summary>
    public string ErrorLines(int lines = 10) => LinesAt(ErrorLevels, lines);

    /// <summary>The last <paramref name="lines"/> log lines at Warning level or above.</summary>
    public string WarningLines(int lines = 20) => LinesAt(WarningLevels, lines);

    /// <summary>
    /// The last lines logged at one of <paramref name="levels"/>, without EF's first-start probe of the migrations
    /// history table (an Error line on every new database, harmless).
    /// </summary>
    private string LinesAt(string[] levels, int lines)
    {
        lock (_logLock)
        {
            return string.Join('\n', _log.Where(l => levels.Any(level => l.Contains($"\"LogLevel\":\"{level}\"", StringComparison.Ordinal))
                                                      && !l.Contains("__EFMigrationsHistory", StringComparison.Ordinal))
                .TakeLast(lines));
        }
    }

    public string LogTail(int lines = 60)
    {
        lock (_logLock)
        {
            return string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    /// <summary>Starts the process and waits (bounded) until <c>/alive</c> answers 200.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>SIGTERM, then waits up to <paramref name="drainBound"/> for the exit (SIGKILL after that). Returns how long the exit
    /// took.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan drainBound, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            var process = _process;
            if (process is null || process.HasExited)
            {
                return TimeSpan.Zero;
            }

            var stopwatch = Stopwatch.StartNew();
            Signals.Send(process.Id, Signals.SigCont);
            Signals.Send(process.Id, Signals.SigTerm);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(drainBound);
            try
            {
                await process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Append($"[System.Tests] {Name} did not exit within {drainBound.TotalSeconds:0} s of SIGTERM; killing it");
                await KillCoreAsync();
                throw new TimeoutException($"{Name} did not drain within {drainBound.TotalSeconds:0} s of SIGTERM.\n{LogTail()}");
            }

            var elapsed = stopwatch.Elapsed;
            await ReleaseAsync();
            return elapsed;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>SIGKILL: no shutdown, no lease release, as in a crash.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await KillCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>SIGSTOP: the process keeps its sockets but answers nothing.</summary>
    public void Pause() => Signals.Send(RequirePid(), Signals.SigStop);

    /// <summary>SIGCONT.</summary>
    public void Resume() => Signals.Send(RequirePid(), Signals.SigCont);

    /// <summary>Kills (when running) and starts again on the same port with the current <see cref="Environment"/>.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await KillCoreAsync();
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            await KillCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }

        Http.Dispose();
    }

    public override string ToString() => $"{Name} on {BaseAddress}";

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        await ReleaseAsync();
        var dll = AssemblyPath;
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        // The runner's own ASP.NET/DOTNET settings must not leak into the service: it gets the AppHost's variables only.
        foreach (var inherited in startInfo.Environment.Keys
                     .Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                         || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                                 || k.StartsWith("services__", StringComparison.Ordinal))
                     .ToList())
        {
            startInfo.Environment.Remove(inherited);
        }

        foreach (var (key, value) in Environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"[System.Tests] starting {Name}: dotnet {dll} --urls {BaseAddress}");
        process.Start();
        ProcessJanitor.Track(process);
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartBudget);
        Exception? lastProbe = null;
        while (true)
        {
            if (process.HasExited)
            {
                await ReleaseAsync();
                var log = LogTail(80);
                throw new InvalidOperationException($"{Name} exited with code {LastExitCode} during start-up.\n--- {Name} output " +
                    $"---\n{log}");
            }

            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                probe.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await Http.GetAsync("alive", probe.Token);
                if (response.IsSuccessStatusCode)
                {
                    Append($"[System.Tests] {Name} alive");
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !deadline.IsCancellationRequested)
            {
                lastProbe = e;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await KillCoreAsync();
                throw new TimeoutException(
                    $"{Name} did not answer /alive within {StartBudget.TotalSeconds:0} s (last probe: {lastProbe?.Message}).\n--- " +
                    $"{Name} output ---\n{LogTail(80)}");
            }
        }
    }

    private async Task KillCoreAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            Signals.Send(process.Id, Signals.SigCont);
            process.Kill(entireProcessTree: true);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(bound.Token);
        }

        await ReleaseAsync();
    }

    private async Task ReleaseAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        ProcessJanitor.Untrack(process.Id);
        if (process.HasExited)
        {
            LastExitCode = process.ExitCode;
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                // Also waits for the redirected output to be read to the end.
                await process.WaitForExitAsync(drain.Token);
            }
            catch (OperationCanceledException)
            {
                Append($"[System.Tests] {Name} output did not close within 2 s; the log tail may lack the last lines");
            }
        }

        process.Dispose();
    }

    private int RequirePid() => ProcessId ?? throw new InvalidOperationException($"{Name} is not running.");

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.Enqueue(line);
            while (_log.Count > 500)
            {
                _log.Dequeue();
            }
        }
    }

    private static string Locate(ServiceKind kind)
    {
        var name = kind.ToString();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}",
            StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
            {
                var dll = Path.Combine(dir.FullName, name, "bin", configuration, "net10.0", name + ".dll");
                return File.Exists(dll)
                    ? dll
                    : throw new FileNotFoundException($"{dll} is missing: build {name}/{name}.csproj (-c {configuration}) first.", dll);
            }
        }

        throw new InvalidOperationException($"No Aspire.sln above {AppContext.BaseDirectory}.");
    }
}
