package zest.nn.clip;

import java.util.Arrays;

/** A growable int array, so encoding a prompt does not box every id. */
final class IntList {

    private int[] values = new int[32];
    private int size;

    void add(int value) {
        if (size == values.length) values = Arrays.copyOf(values, size * 2);
        values[size++] = value;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
