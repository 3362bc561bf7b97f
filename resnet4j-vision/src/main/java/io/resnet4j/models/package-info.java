/**
 * The ResNet family and its plain twins. {@link io.resnet4j.models.ResNetSpec} holds every structural choice
 * (the papers' tables are its named factories), {@link io.resnet4j.models.ResNet#build} turns a spec into
 * engine modules with one stage loop, {@link io.resnet4j.models.ModelRegistry} maps command-line names to
 * specs, {@link io.resnet4j.models.ModelSummary} prints the layer table and
 * {@link io.resnet4j.models.ModelCheckpoint} saves and loads networks with their model card. Models are made of
 * {@code io.resnet4j.nn} modules only; they never touch the kernel layer or raw arrays.
 */
package io.resnet4j.models;
