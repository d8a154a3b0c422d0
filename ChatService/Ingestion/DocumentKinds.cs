using System.Text;

namespace ChatService.Ingestion;

/// <summary>Accepted upload types, by file extension, and the check that the bytes are what the extension claims.</summary>
public static class DocumentKinds
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Null when <paramref name="bytes"/> look like <paramref name="kind"/>; otherwise why not. A PDF starts with <c>%PDF-</c>;
    /// text, Markdown and CSV are valid UTF-8 (a BOM is allowed) without NUL. Checked at upload, so a mislabelled file is
    /// refused there instead of reaching a parser that was not meant for it.
    /// </summary>
    public static string? SignatureMismatch(string kind, ReadOnlySpan<byte> bytes)
    {
        if (kind == "pdf")
        {
            return bytes.StartsWith("%PDF-"u8) ? null : "The file is named .pdf but does not start with the PDF signature (%PDF-).";
        }

        if (bytes.IndexOf((byte)0) >= 0)
        {
            return $"The .{kind} file contains NUL bytes: it is not text.";
        }

        try
        {
            _ = StrictUtf8.GetCharCount(bytes);
            return null;
        }
        catch (DecoderFallbackException)
        {
            return $"The .{kind} file is not valid UTF-8 text.";
        }
    }

    public static string? FromFileName(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".txt" or ".text" => "txt",
        ".md" or ".markdown" => "md",
        ".pdf" => "pdf",
        ".csv" => "csv",
        _ => null,
    };
}
