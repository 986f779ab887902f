package zest.engine.device;

import zest.engine.DType;

/**
 * One allocation on a device holding {@link #length()} elements of {@link #dtype()}, owned by a backend. The engine
 * never reads it directly except through {@link #getFloat} (single elements, e.g. {@code item()}); bulk transfers go
 * through the backend at the edges ({@link Backend#upload}, {@link Backend#download}).
 */
public interface DeviceMemory {
    Device device();

    DType dtype();

    long length();

    /** Element {@code index} widened to float: a synchronous one-element copy to the host. */
    float getFloat(long index);
}
