using System.Text.Json;
using UglyToad.PdfPig;

namespace ChatService.Ingestion;

/// <summary>
/// The child side of <see cref="PdfSandbox"/>: <c>ChatService --pdf-extract &lt;maxPages&gt; &lt;maxChars&gt;</c> reads a PDF from
/// stdin and writes one JSON line per paragraph (<c>{"page":1,"text":"…"}</c>) to stdout. Exit codes: 0 done, 2 unreadable
/// PDF, 3 too many pages, 4 too much text; the reason is the last line of stderr. Runs before the web host is built.
/// </summary>
public static class PdfExtractorProcess
{
    public const string Argument = "--pdf-extract";

    /// <summary>Environment variable carrying <see cref="PdfSandboxOptions.TestFault"/> to the child.</summary>
    public const string FaultVariable = "CHATSERVICE_PDF_EXTRACTOR_FAULT";

    public static int Run(string[] args)
    {
        var maxPages = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var maxChars = long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        switch (Environment.GetEnvironmentVariable(FaultVariable))
        {
            case "hang":
                // why: a test-only fault (Ingestion:Pdf:TestFault) in the child process; the parent's wall-time kill ends it
                Thread.Sleep(Timeout.Infinite);
                break;
            case "crash":
                Environment.FailFast("PDF extractor test fault: crash");
                break;
        }

        using var input = new MemoryStream();
        Console.OpenStandardInput().CopyTo(input);
        using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        try
        {
            using var pdf = PdfDocument.Open(input.ToArray());
            if (pdf.NumberOfPages > maxPages)
            {
                return Fail(3, $"The PDF has {pdf.NumberOfPages} pages; the limit is {maxPages}.");
            }

            long chars = 0;
            for (var number = 1; number <= pdf.NumberOfPages; number++)
            {
                var page = pdf.GetPage(number);
                foreach (var paragraph in TextExtractor.Paragraphs(page.Text))
                {
                    chars += paragraph.Length;
                    if (chars > maxChars)
                    {
                        return Fail(4, $"The PDF yields more than {maxChars} characters of text.");
                    }

                    stdout.WriteLine(JsonSerializer.Serialize(new PdfParagraph(page.Number, paragraph)));
                }
            }

            stdout.Flush();
            return 0;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Fail(2, $"The PDF could not be read: {ex.Message}");
        }
    }

    private static int Fail(int code, string reason)
    {
        Console.Error.WriteLine(reason.ReplaceLineEndings(" "));
        return code;
    }
}

/// <summary>One extracted paragraph on the wire between the parser process and the service.</summary>
public sealed record PdfParagraph(int Page, string Text);
