using System.Globalization;
using System.Text.Json;

namespace Bench.Tests;

/// <summary>A temporary raw-results folder laid out as run-all.sh writes it: run-&lt;k&gt;/&lt;Program&gt;.json and run.json.</summary>
internal sealed class RunsDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("bench-report-tests-").FullName;

    public string RunPath(int run) => Directory.CreateDirectory(System.IO.Path.Combine(Path, $"run-{run}")).FullName;

    public void Write(int run, string program, params (string Name, double Value, string Unit, string? Ceiling)[] figures) =>
        WriteRaw(run, $"{program}.json", JsonSerializer.Serialize(new
        {
            program,
            startedAt = "2026-12-07T14:00:00Z",
            figures = figures.Select(f => new { name = f.Name, value = f.Value, unit = f.Unit, ceiling = f.Ceiling }),
        }));

    public void WriteRunInfo(int run, string loadBefore) =>
        WriteRaw(run, "run.json", string.Create(CultureInfo.InvariantCulture, $$"""
            {"startedAt":"2026-12-07T14:00:00Z","finishedAt":"2026-12-07T14:21:00Z","loadBefore":"{{loadBefore}}","loadAfter":"1.00 1.00 1.00 2/300 999","commit":"abc1234",
             "programs":[{"name":"JobsBench","seconds":42,"exitCode":0},{"name":"ChatBench","seconds":90,"exitCode":3}]}
            """));

    public void WriteRaw(int run, string file, string content) => File.WriteAllText(System.IO.Path.Combine(RunPath(run), file), content);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
