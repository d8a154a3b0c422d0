using System.ComponentModel;
using System.Diagnostics;
using Xunit;

namespace Testing;

/// <summary>
/// A real server process started from a local binary on a free loopback port, with its data in a
/// temporary work directory. Start-up waits, with a deadline, until the server answers; a failed start
/// throws with the tail of the server's log. Disposal kills the whole process tree and deletes the work
/// directory; servers are also killed when the test process exits.
/// Usable directly (<c>await using var redis = new RedisServer(); await redis.StartAsync(ct);</c>) or as an
/// xunit class fixture (<c>IClassFixture&lt;RedisServer&gt;</c>), which starts it for the class.
/// </summary>
public abstract class ServerProcess : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private const int PortAttempts = 3;

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly LogTail _log = new(400);
    private readonly Lazy<string> _workDirectory;
    private Process? _process;
    private volatile int _pid;
    private bool _everStarted;
    private bool _paused;
    private bool _disposed;

    private protected ServerProcess(string kind, TimeSpan startTimeout)
    {
        Kind = kind;
        Port = FreePort.Next();
        StartTimeout = startTimeout;
        _workDirectory = new Lazy<string>(() =>
        {
            var directory = ServerRegistry.CreateWorkDirectory(kind);
            _log.MirrorTo(Path.Combine(directory, "server.log"));
            return directory;
        });
    }

    /// <summary>"postgres", "redis" or "chroma".</summary>
    public string Kind { get; }

    /// <summary>The loopback port; it stays the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The temporary folder of this server (data, sockets, server.log). Created on first use, deleted on dispose.</summary>
    public string WorkDirectory => _workDirectory.Value;

    /// <summary>The server's data folder inside <see cref="WorkDirectory"/>; it survives restarts.</summary>
    public string DataDirectory => Path.Combine(WorkDirectory, "data");

    /// <summary>How long a start may take until the server answers (initdb included for PostgreSQL).</summary>
    public TimeSpan StartTimeout { get; set; }

    /// <summary>How long a graceful stop may take before the server is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Wall time of the last successful start (process start until the server answered).</summary>
    public TimeSpan? LastStartDuration { get; private set; }

    /// <summary>Process id of the running server, or null.</summary>
    public int? ProcessId => IsRunning ? _pid : null;

    public bool IsRunning => _pid != 0 && ProcessTree.IsAlive(_pid);

    public bool IsPaused => _paused;

    /// <summary>The last lines the server printed (also mirrored to server.log in the work directory).</summary>
    public string ReadLogTail(int maxLines = 50) => _log.Tail(maxLines);

    /// <summary>Starts the server and waits until it answers; no-op when it is already running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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

    /// <summary>Graceful stop (SIGTERM, or SIGINT = fast shutdown for PostgreSQL); killed after <see cref="StopTimeout"/>. Resumes a paused
    /// server first.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StopCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>SIGKILL to the server and all its child processes, as in a crash. Data written so far stays in the data folder.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await KillCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>SIGSTOP to the server and all its child processes: the port still accepts TCP connections, but nothing is
    /// answered.</summary>
    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            var pid = RequireRunning();
            ProcessTree.StopTree(pid);
            _paused = true;
            await ProcessTree.WaitUntilStoppedAsync(pid, ExitTimeout, cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>SIGCONT to the server and all its child processes.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            ProcessTree.ContinueTree(RequireRunning());
            _paused = false;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Graceful stop (if running) and start on the same port with the same data folder.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StopCoreAsync(cancellationToken);
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Kills the server (whatever its state) and deletes its work directory. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _lifecycle.WaitAsync(timeout.Token);
            try
            {
                await KillCoreAsync(timeout.Token);
            }
            finally
            {
                _lifecycle.Release();
            }

            if (_workDirectory.IsValueCreated)
            {
                await ServerRegistry.DeleteDirectoryAsync(WorkDirectory, timeout.Token);
            }
        }

        await DisposeCoreAsync();
        GC.SuppressFinalize(this);
    }

    Task IAsyncLifetime.InitializeAsync() => StartAsync(CancellationToken.None);

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public override string ToString() => $"{Kind} on 127.0.0.1:{Port}";

    /// <summary>Runs before each start (initdb, folders, ownership). Bounded by the start deadline.</summary>
    private protected virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private protected abstract ProcessStartInfo CreateStartInfo();

    /// <summary>One readiness probe; exceptions count as "not ready yet".</summary>
    private protected abstract Task<bool> ProbeAsync(CancellationToken cancellationToken);

    private protected virtual int GracefulStopSignal => ProcessTree.SigTerm;

    private protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    /// <summary>Runs a helper command (initdb, chown) to completion, throwing with its output when it fails.</summary>
    private protected async Task RunCommandAsync(ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        var output = new LogTail(200);
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => AppendLine(output, e.Data);
        process.ErrorDataReceived += (_, e) => AppendLine(output, e.Data);
        StartOrExplain(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            ProcessTree.KillTree(process.Id);
            throw;
        }

        var text = output.Tail(200);
        foreach (var line in text.Split('\n'))
        {
            _log.Append(line);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(startInfo.FileName)} {string.Join(' ', startInfo.ArgumentList)} exited with code " +
                $"{process.ExitCode}:\n{text}");
        }
    }

    /// <summary>Called from ProcessExit: no awaiting, just make sure nothing survives us.</summary>
    internal void KillImmediately()
    {
        var pid = _pid;
        if (pid != 0 && ProcessTree.IsAlive(pid))
        {
            ProcessTree.KillTree(pid);
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            return;
        }

        await ReleaseProcessAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync(cancellationToken);
                _everStarted = true;
                return;
            }
            catch (InvalidOperationException) when (!_everStarted && attempt < PortAttempts && PortWasTaken())
            {
                // Another process took the port between FreePort.Next() and our bind: before the first
                // successful start nobody depends on the port yet, so take another one.
                _log.Append($"[Testing] port {Port} was taken, retrying on another port");
                Port = FreePort.Next();
            }
        }
    }

    private bool PortWasTaken() =>
        _log.Tail(30).Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    private async Task StartOnceAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        try
        {
            await PrepareAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw StartFailure($"preparing did not finish within {StartTimeout.TotalSeconds:0} s", null);
        }

        var startInfo = CreateStartInfo();
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = false;
        startInfo.UseShellExecute = false;
        if (string.IsNullOrEmpty(startInfo.WorkingDirectory))
        {
            startInfo.WorkingDirectory = WorkDirectory;
        }

        _log.Append($"[Testing] starting {Kind} on port {Port}: {startInfo.FileName} {string.Join(' ', startInfo.ArgumentList)}");
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => AppendLine(_log, e.Data);
        process.ErrorDataReceived += (_, e) => AppendLine(_log, e.Data);
        try
        {
            StartOrExplain(process);
        }
        catch
        {
            process.Dispose();
            throw;
        }

        _process = process;
        _pid = process.Id;
        _paused = false;
        ServerRegistry.Track(this, process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Exception? lastProbeError = null;
        while (true)
        {
            if (process.HasExited)
            {
                await WaitForOutputAsync(process);
                var failure = StartFailure($"exited with code {process.ExitCode} during start-up", lastProbeError);
                await ReleaseProcessAsync();
                throw failure;
            }

            try
            {
                using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                probeTimeout.CancelAfter(ProbeTimeout);
                if (await ProbeAsync(probeTimeout.Token))
                {
                    LastStartDuration = stopwatch.Elapsed;
                    _log.Append($"[Testing] {Kind} ready on port {Port} after {stopwatch.Elapsed.TotalMilliseconds:0} ms");
                    return;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Not ready yet (refused, starting up, probe timed out); kept for the failure message.
                lastProbeError = e;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                var timedOut = !cancellationToken.IsCancellationRequested;
                await KillCoreAsync(CancellationToken.None);
                if (timedOut)
                {
                    throw StartFailure($"did not answer within {StartTimeout.TotalSeconds:0} s", lastProbeError);
                }

                throw;
            }
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            var pid = process.Id;
            if (_paused)
            {
                ProcessTree.ContinueTree(pid);
                _paused = false;
            }

            var tree = ProcessTree.Descendants(pid);
            tree.Add(pid);
            ProcessTree.Signal(pid, GracefulStopSignal);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _log.Append($"[Testing] {Kind} did not stop within {StopTimeout.TotalSeconds:0} s; killing it");
                tree.AddRange(ProcessTree.KillTree(pid));
            }

            await ProcessTree.WaitUntilGoneAsync(tree, ExitTimeout, cancellationToken);
        }

        await ReleaseProcessAsync();
    }

    private async Task KillCoreAsync(CancellationToken cancellationToken)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            var tree = ProcessTree.KillTree(process.Id);
            await ProcessTree.WaitUntilGoneAsync(tree, ExitTimeout, cancellationToken);
        }

        await ReleaseProcessAsync();
    }

    private async Task ReleaseProcessAsync()
    {
        var process = _process;
        _process = null;
        _pid = 0;
        _paused = false;
        ServerRegistry.Untrack(this);
        if (process is not null)
        {
            if (process.HasExited)
            {
                await WaitForOutputAsync(process);
            }

            process.Dispose();
        }
    }

    private static async Task WaitForOutputAsync(Process process)
    {
        // WaitForExitAsync also waits for the redirected output to drain (children holding the pipe keep it open).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Output still open after the bound: the log tail simply lacks the last lines.
        }
    }

    private int RequireRunning()
    {
        var pid = _pid;
        if (pid == 0 || !ProcessTree.IsAlive(pid))
        {
            throw new InvalidOperationException($"{this} is not running.");
        }

        return pid;
    }

    private InvalidOperationException StartFailure(string what, Exception? lastProbeError) =>
        new($"{Kind} on port {Port} {what}." +
            (lastProbeError is null ? "" : $" Last readiness probe: {lastProbeError.GetType().Name}: {lastProbeError.Message}.") +
            $"\nWork directory: {WorkDirectory}\n--- last lines of the {Kind} log ---\n{_log.Tail(40)}",
            lastProbeError);

    private static void AppendLine(LogTail log, string? line)
    {
        if (line is not null)
        {
            log.Append(line);
        }
    }

    private static void StartOrExplain(Process process)
    {
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Could not start {process.StartInfo.FileName}: {e.Message}. {DependencyBinaries.InstallHint}", e);
        }
    }
}
