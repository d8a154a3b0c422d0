using System.Text.Json;
using System.Text.Json.Serialization;

namespace Report;

/// <summary>
/// When a run started and ended, the load average around it and how long each program took (run.json, written by run-all.sh).
/// </summary>
public sealed record RunInfo(DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? LoadBefore, string? LoadAfter,
    IReadOnlyList<ProgramTiming>? Programs, string? Commit = null);

/// <summary>One program's wall time and exit code in a run.</summary>
public sealed record ProgramTiming(string Name, double Seconds, int ExitCode);

/// <summary>One run of run-all.sh: its ceilings, every program's result, text outputs and what did not run.</summary>
public sealed record Run(int Number, RunInfo Info, IReadOnlyList<BenchResult> Results, IReadOnlyList<(string Name, string Text)> Texts,
    IReadOnlyList<string> Missing)
{
    public Figure? Find(string program, string figure) =>
        Results.FirstOrDefault(r => r.Program == program)?.Figures.FirstOrDefault(f => f.Name == figure);

    public Figure? Ceiling(string name) => Find("Ceilings", name);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>
    /// The runs under <paramref name="directory"/>: its <c>run-&lt;k&gt;/</c> folders in order, or the directory itself as run 1
    /// (the layout before <c>--runs</c>). Malformed input throws <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static IReadOnlyList<Run> LoadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidDataException($"{directory}: no such directory");
        }

        var runDirectories = Directory.EnumerateDirectories(directory, "run-*")
            .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d)["run-".Length..], out var k), Number: k))
            .ToList();
        if (runDirectories.FirstOrDefault(r => !r.Ok) is { Dir: { } bad })
        {
            throw new InvalidDataException($"{bad}: a run folder must be named run-<number>");
        }

        var runs = runDirectories.Count == 0
            ? [Load(directory, 1)]
            : runDirectories.OrderBy(r => r.Number).Select(r => Load(r.Dir, r.Number)).ToList();
        if (runs.All(r => r.Results.Count == 0 && r.Texts.Count == 0))
        {
            throw new InvalidDataException($"{directory}: no results (*.json or *.txt) in any run");
        }

        return runs;
    }

    public static Run Load(string directory, int number)
    {
        var info = new RunInfo(null, null, null, null, null);
        var results = new List<BenchResult>();
        var stems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file) == "run.json")
            {
                info = Parse<RunInfo>(file);
                continue;
            }

            var result = Parse<BenchResult>(file);
            Validate(result, file);
            results.Add(result);
            stems.Add(Path.GetFileNameWithoutExtension(file));
        }

        // A program that exited non-zero after writing its JSON (e.g. EvaluationBench with unanswered cases) measured
        // something else than its figures claim: they are left out (missing.txt says why), so no goal counts them.
        var failed = info.Programs?.Where(p => p.ExitCode != 0).Select(p => p.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var kept = new List<BenchResult>();
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            if (failed.Contains(stems[i]))
            {
                continue;
            }

            if (kept.Any(r => r.Program == result.Program))
            {
                throw new InvalidDataException($"{stems[i]}.json: program '{result.Program}' appears twice in {directory}");
            }

            kept.Add(result);
        }

        var texts = Directory.EnumerateFiles(directory, "*.txt")
            .Where(f => Path.GetFileName(f) != "missing.txt")
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllText(f)))
            .ToList();
        var missingFile = Path.Combine(directory, "missing.txt");
        var missing = File.Exists(missingFile) ? File.ReadAllLines(missingFile).Where(l => l.Length > 0).ToList() : [];
        return new Run(number, info, kept, texts, missing);
    }

    private static T Parse<T>(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file), Json) ?? throw new InvalidDataException($"{file}: null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a valid {typeof(T).Name} ({e.Message})", e);
        }
    }

    private static void Validate(BenchResult result, string file)
    {
        if (string.IsNullOrWhiteSpace(result.Program) || result.Figures is null)
        {
            throw new InvalidDataException($"{file}: 'program' and 'figures' are required (bench/README.md, JSON convention)");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var figure in result.Figures)
        {
            if (string.IsNullOrWhiteSpace(figure?.Name) || figure.Unit is null || !double.IsFinite(figure.Value))
            {
                throw new InvalidDataException($"{file}: every figure needs a name, a unit and a finite value ({figure?.Name ?? "null"})");
            }

            if (!names.Add(figure.Name))
            {
                throw new InvalidDataException($"{file}: figure '{figure.Name}' appears twice");
            }
        }
    }
}
