using System.ComponentModel.DataAnnotations;

namespace ChatService.Ingestion;

/// <summary>Limits of the PDF parser's child process (section <c>Ingestion:Pdf</c>).</summary>
public sealed class PdfSandboxOptions
{
    public const string Section = "Ingestion:Pdf";

    /// <summary>Pages a PDF may have; more → the document is <c>failed</c> before any page is parsed.</summary>
    [Range(1, 100_000)]
    public int MaxPages { get; set; } = 500;

    /// <summary>Characters of text a PDF may yield; more → <c>failed</c> (a small file can expand to gigabytes of text).</summary>
    [Range(1000, 500_000_000)]
    public int MaxChars { get; set; } = 5_000_000;

    /// <summary>The child's managed heap limit (<c>DOTNET_GCHeapHardLimit</c>); beyond it the child dies of OutOfMemory.</summary>
    [Range(32L * 1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MemoryLimitBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// CPU time the child may use (<c>prlimit --cpu</c>, RLIMIT_CPU in whole seconds, rounded up: the kernel kills it
    /// beyond); Linux only.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CpuTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Wall time of one parse; then the child is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Tests only: passed to the child as a fault to act out (<c>hang</c>, <c>crash</c>). Never set in a deployment.</summary>
    public string? TestFault { get; set; }
}
