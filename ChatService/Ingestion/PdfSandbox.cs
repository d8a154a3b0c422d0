using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatService.Ingestion;

/// <summary>
/// Parses a PDF in a child process (this service's own executable in <see cref="PdfExtractorProcess"/> mode) with a heap
/// limit, a CPU-time limit (Linux <c>prlimit</c>), a wall-time limit, capped pages and characters, and a capped read of its
/// output. A parser that crashes, is killed or runs out of time makes the document <c>failed</c> with the reason
/// (<see cref="MalformedDocumentException"/>: not retried, so a poisonous PDF cannot take down every replica in turn). The
/// job's cancellation kills the child.
/// </summary>
public sealed partial class PdfSandbox(IOptions<PdfSandboxOptions> options, ILogger<PdfSandbox> logger)
{
    private const string Prlimit = "/usr/bin/prlimit";

    public async Task<IReadOnlyList<TextBlock>> ExtractAsync(byte[] pdf, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        using var process = new Process { StartInfo = StartInfo(limits) };
        process.Start();
        using var wall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wall.CancelAfter(limits.WallTimeout);
        // why: from here on, whatever ends this method (timeout, the job's cancellation, an error) the child must not outlive it
        await using var kill = wall.Token.Register(() => Kill(process));
        var stderr = process.StandardError.ReadToEndAsync(wall.Token);
        try
        {
            var output = ReadOutputAsync(process.StandardOutput, limits, wall.Token);
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(pdf, wall.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The child exited without reading all of its input (e.g. a test fault): its exit code says why.
            }

            var blocks = await output;
            await process.WaitForExitAsync(wall.Token);
            if (process.ExitCode != 0)
            {
                var reason = LastLine(await stderr);
                LogParserFailed(logger, process.ExitCode, reason);
                throw new MalformedDocumentException(process.ExitCode is 2 or 3 or 4 && reason.Length > 0
                    ? reason
                    : $"The PDF parser failed (exit code {process.ExitCode}{(reason.Length > 0 ? $": {reason}" : "")}).");
            }

            return blocks;
        }
        catch (OperationCanceledException) when (wall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogParserTimedOut(logger, limits.WallTimeout);
            throw new MalformedDocumentException($"The PDF parser did not finish within {limits.WallTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            // why: an early exit (output over its cap, an unreadable line) must not leave the child running
            Kill(process);
        }
    }

    private static ProcessStartInfo StartInfo(PdfSandboxOptions limits)
    {
        var assembly = typeof(PdfSandbox).Assembly.Location;
        // why: the service may run as `dotnet ChatService.dll`, as its apphost, or inside a test host: `dotnet exec` on the
        // assembly works in all three (its runtimeconfig and deps files are next to it in every build output)
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
            : "dotnet";
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (OperatingSystem.IsLinux() && File.Exists(Prlimit))
        {
            info.FileName = Prlimit;
            // why: RLIMIT_CPU counts whole seconds; rounded up so the budget is never shortened.
            var cpuSeconds = (int)Math.Ceiling(limits.CpuTime.TotalSeconds);
            info.ArgumentList.Add($"--cpu={cpuSeconds.ToString(CultureInfo.InvariantCulture)}");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(dotnet);
        }
        else
        {
            info.FileName = dotnet;
        }

        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add(PdfExtractorProcess.Argument);
        info.ArgumentList.Add(limits.MaxPages.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(limits.MaxChars.ToString(CultureInfo.InvariantCulture));
        info.Environment["DOTNET_GCHeapHardLimit"] = limits.MemoryLimitBytes.ToString("x", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_TieredPGO"] = "0";
        if (limits.TestFault is { Length: > 0 } fault)
        {
            info.Environment[PdfExtractorProcess.FaultVariable] = fault;
        }
        else
        {
            info.Environment.Remove(PdfExtractorProcess.FaultVariable);
        }

        return info;
    }

    /// <summary>The child's JSON lines, at most about <see cref="PdfSandboxOptions.MaxChars"/> characters (plus framing).</summary>
    private static async Task<IReadOnlyList<TextBlock>> ReadOutputAsync(StreamReader stdout, PdfSandboxOptions limits,
        CancellationToken cancellationToken)
    {
        var blocks = new List<TextBlock>();
        long read = 0;
        // why: the child enforces MaxChars itself; this bound holds even if it does not (JSON escaping at most ×6, plus framing)
        var cap = (long)limits.MaxChars * 6 + 1024 * 1024;
        // why: each read ends with the child's output (the wall-time kill closes it) or with the job's token; the size by the cap
        while (await stdout.ReadLineAsync(cancellationToken) is { } line)
        {
            read += line.Length;
            if (read > cap)
            {
                throw new MalformedDocumentException($"The PDF parser wrote more than {cap} characters.");
            }

            var paragraph = JsonSerializer.Deserialize<PdfParagraph>(line)
                            ?? throw new MalformedDocumentException("The PDF parser wrote an unreadable line.");
            blocks.Add(new TextBlock(paragraph.Text, null, paragraph.Page));
        }

        return blocks;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The PDF parser exited with {ExitCode}: {Reason}")]
    private static partial void LogParserFailed(ILogger logger, int exitCode, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The PDF parser was killed after {WallTimeout}")]
    private static partial void LogParserTimedOut(ILogger logger, TimeSpan wallTimeout);
}
