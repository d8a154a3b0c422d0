namespace ChatService.Ingestion;

/// <summary>Accepted upload types, by file extension.</summary>
public static class DocumentKinds
{
    public static string? FromFileName(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".txt" or ".text" => "txt",
        ".md" or ".markdown" => "md",
        ".pdf" => "pdf",
        ".csv" => "csv",
        _ => null,
    };
}
