using Testing;

namespace DurableJobs.Tests.Infrastructure;

/// <summary>One PostgreSQL and one Redis for every test class of this assembly; tests isolate by database and queue name.</summary>
[CollectionDefinition(Name)]
public sealed class DependenciesCollection : ICollectionFixture<DependenciesFixture>
{
    public const string Name = "dependencies";
}
