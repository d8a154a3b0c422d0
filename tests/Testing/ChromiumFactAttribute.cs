using Xunit;

namespace Testing;

/// <summary>
/// A fact that needs Debian's chromium (headless browser tests); skipped, with the reason, when it is not installed.
/// <c>eng/install-deps.sh</c> installs it for the test command.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path))
        {
            Skip = $"{Path} is not installed (eng/install-deps.sh, or apt-get install -y chromium fonts-liberation); the page cannot be " +
                $"driven in a real browser here.";
        }
    }
}
