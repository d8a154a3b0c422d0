using Testing;

namespace ChatService.Tests.Infrastructure;

[CollectionDefinition("dependencies")]
public sealed class DependenciesCollection : ICollectionFixture<DependenciesFixture>, ICollectionFixture<SharedSimulator>;
