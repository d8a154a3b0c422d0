namespace EvaluationService.Tests;

/// <summary>A fact that is skipped, with the reason, when Debian's chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path))
        {
            Skip = $"{Path} is not installed (apt-get install -y chromium); the HTML report cannot be rendered in a real browser here.";
        }
    }
}
