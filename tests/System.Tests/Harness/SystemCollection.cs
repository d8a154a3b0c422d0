namespace SystemTests.Harness;

/// <summary>All system tests share one set of dependencies and run one after another (they stop and pause them).</summary>
[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemDependencies>
{
    public const string Name = "system";
}
