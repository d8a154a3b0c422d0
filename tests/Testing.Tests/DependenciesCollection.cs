using Testing;

namespace Testing.Tests;

/// <summary>One PostgreSQL, Redis (and lazily Chroma) for every test class in this assembly that joins the collection.</summary>
[CollectionDefinition(Name)]
public sealed class DependenciesCollection : ICollectionFixture<DependenciesFixture>
{
    public const string Name = "dependencies";
}
