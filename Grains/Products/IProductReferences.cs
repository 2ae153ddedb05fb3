namespace Grains.Products;

/// <summary>
/// Who still uses a product. The document: "Products referenced by existing deal line items cannot be deleted while
/// those deals are active." Deals do not exist yet, so nothing implements this and deletion finds no references;
/// the deals feature registers an implementation (a projection query for active deals whose line items name the
/// product) and <see cref="ProductGrain.Delete"/> then answers 409 <c>conflict.product_in_use</c>.
/// </summary>
public interface IProductReferences
{
    Task<bool> HasActiveDealReferences(string partition, string productId, CancellationToken cancellationToken = default);
}
