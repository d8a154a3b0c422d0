using System.Text;
using System.Text.Json;
using EvaluationService.Apis;
using ServiceDefaults.Validation;

namespace EvaluationService.Suites;

/// <summary>
/// Reads cases from JSON Lines (one <see cref="CaseInput"/> object per line, blank lines ignored) or CSV (header
/// <c>question,expectedAnswer,expectedKeywords,expectedSources,tags</c>; list cells separated by <c>;</c> or <c>|</c>;
/// RFC 4180 quoting). Every error names the line it was found on.
/// </summary>
public static class SuiteImporter
{
    public static async Task<List<CaseInput>> ReadJsonLinesAsync(TextReader reader, int maxCases, CancellationToken cancellationToken)
    {
        var cases = new List<CaseInput>();
        var lineNumber = 0;
        // why: the reader is the upload, bounded by ServiceDefaults:MaxRequestBodyBytes (Kestrel) and the request timeout
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            CaseInput? input;
            try
            {
                input = JsonSerializer.Deserialize<CaseInput>(line, JsonSerializerOptions.Web);
            }
            catch (JsonException ex)
            {
                throw new SuiteImportException(lineNumber, $"not a JSON object ({ex.Message.Split(". ")[0]})");
            }

            cases.Add(Validate(input, lineNumber));
            if (cases.Count > maxCases)
            {
                throw new SuiteImportException(lineNumber, $"more than {maxCases} cases");
            }
        }

        return cases;
    }

    public static async Task<List<CaseInput>> ReadCsvAsync(TextReader reader, int maxCases, CancellationToken cancellationToken)
    {
        var text = await reader.ReadToEndAsync(cancellationToken);
        var records = ParseCsv(text);
        if (records.Count == 0)
        {
            return [];
        }

        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant()).ToList();
        var question = header.IndexOf("question");
        if (question < 0)
        {
            throw new SuiteImportException(records[0].Line, "the header has no 'question' column");
        }

        int Column(string name) => header.IndexOf(name.ToLowerInvariant());
        var (answer, keywords, sources, tags) = (Column("expectedAnswer"), Column("expectedKeywords"), Column("expectedSources"),
            Column("tags"));
        var cases = new List<CaseInput>();
        foreach (var record in records.Skip(1))
        {
            if (record.Cells.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (record.Cells.Count != header.Count)
            {
                throw new SuiteImportException(record.Line, $"expected {header.Count} columns, found {record.Cells.Count}");
            }

            string? Cell(int index) => index >= 0 && !string.IsNullOrWhiteSpace(record.Cells[index]) ? record.Cells[index].Trim() : null;
            cases.Add(Validate(new CaseInput(Cell(question), Cell(answer), List(Cell(keywords)), List(Cell(sources)), List(Cell(tags))),
                record.Line));
            if (cases.Count > maxCases)
            {
                throw new SuiteImportException(record.Line, $"more than {maxCases} cases");
            }
        }

        return cases;
    }

    /// <summary>Checks one case; <paramref name="line"/> is 0 for JSON bodies (the index is reported instead).</summary>
    public static CaseInput Validate(CaseInput? input, int line)
    {
        if (input is null || string.IsNullOrWhiteSpace(input.Question))
        {
            throw new SuiteImportException(line, "'question' is required");
        }

        if (input.Question.Length > 4_000 || (input.ExpectedAnswer?.Length ?? 0) > 8_000)
        {
            throw new SuiteImportException(line, "question (4,000) or expectedAnswer (8,000 characters) too long");
        }

        if (new[] { input.ExpectedKeywords, input.ExpectedSources, input.Tags }
            .Any(l => l is not null && (l.Count > 100 || l.Any(string.IsNullOrWhiteSpace))))
        {
            throw new SuiteImportException(line, "list fields take at most 100 non-empty strings");
        }

        // The same text rules as every JSON body (NUL, unpaired surrogates): CSV and JSON Lines imports are read here, not by model
        // binding.
        var texts = new[] { input.Question, input.ExpectedAnswer }
            .Concat(new[] { input.ExpectedKeywords, input.ExpectedSources, input.Tags }.SelectMany(l => l ?? []));
        if (texts.FirstOrDefault(t => t is not null && TextRules.Problem(t) is not null) is { } bad)
        {
            throw new SuiteImportException(line, $"a field {TextRules.Problem(bad)}");
        }

        return input;
    }

    private static List<string>? List(string? cell) =>
        cell?.Split([';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static List<(int Line, List<string> Cells)> ParseCsv(string text)
    {
        var records = new List<(int, List<string>)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var quoteOpenedOn = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }

                    cell.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"' when cell.Length == 0:
                    quoted = true;
                    quoteOpenedOn = line;
                    break;
                case '"':
                    throw new SuiteImportException(line, "a quote inside an unquoted cell");
                case ',':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    records.Add((recordLine, cells));
                    cells = [];
                    line++;
                    recordLine = line;
                    break;
                default:
                    cell.Append(ch);
                    break;
            }
        }

        if (quoted)
        {
            throw new SuiteImportException(quoteOpenedOn, "a quoted cell is never closed");
        }

        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            records.Add((recordLine, cells));
        }

        return records;
    }
}
