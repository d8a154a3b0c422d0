namespace DurableJobs;

/// <summary>An error that retrying cannot fix (bad input, a 4xx from a destination): the job ends <c>failed</c>.</summary>
public sealed class PermanentJobException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
