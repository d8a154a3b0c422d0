namespace ChatService.Tests.Infrastructure;

/// <summary>Distinct user ids per test, so caches shared through Redis never mix tests.</summary>
public static class Users
{
    public static string New(string name) => $"{name}-{Guid.NewGuid():N}";
}
