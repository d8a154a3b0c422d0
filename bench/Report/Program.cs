// Writes the benchmark report (bench/README.md):
//   dotnet run --project bench/Report -- --in bench/results/raw/2026-12-07 --out bench/results/2026-12-07.md
// --in holds run-<k>/ folders (one per run of `bench/run-all.sh --runs N`), each with run.json (times, load average),
// Ceilings.json, <Program>.json files (the JSON convention), <Program>.txt files (text-only programs, included
// verbatim) and missing.txt; a folder without run-<k>/ is read as a single run. Charts go next to the .md file.
// Malformed input fails with exit code 1 and the file that is wrong.
using Report;

string Arg(string name) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} is required");

try
{
    var input = Arg("--in");
    var output = Arg("--out");
    var runs = Run.LoadAll(input);
    var (markdown, charts) = ReportWriter.Render(runs, Path.GetFileNameWithoutExtension(output));
    var chartDir = Path.GetDirectoryName(Path.GetFullPath(output))!;
    foreach (var (name, svg) in charts)
    {
        File.WriteAllText(Path.Combine(chartDir, name), svg);
    }

    File.WriteAllText(output, markdown);
    Console.WriteLine($"wrote {output} ({runs.Count} run(s))");
    return 0;
}
catch (Exception e) when (e is InvalidDataException or ArgumentException)
{
    Console.Error.WriteLine($"Report: {e.Message}");
    return 1;
}
