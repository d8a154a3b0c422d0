using Testing;

namespace DistributorService.Tests;

[CollectionDefinition("dependencies")]
public sealed class DependenciesCollection : ICollectionFixture<DependenciesFixture>;
